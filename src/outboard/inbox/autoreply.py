"""Auto-replies: RFC 3834 headers, vendor headers and multilingual wording; out-of-office told apart.

Out-of-office means a person is away and will read mail later: the enrollment waits until the return date.
Other auto-replies (ticket receipts, "no longer with the company", unmonitored mailboxes, read receipts,
newsletters) are machine mail: never a reply, never a reason to wait.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from outboard.inbox.dates import find_return_date
from outboard.inbox.parse import ParsedMail
from outboard.inbox.text import find_emails, fold

MAX_AUTO_TEXT = 3000  # auto-replies are short; a long body with these words is a person writing

_OOO_SUBJECT = re.compile(
    r"out of (?:the )?office|\booo\b|away from (?:the )?office|on (?:vacation|holiday|leave)|abwesen|"
    r"nicht im buro|\burlaub\b|ausser haus|absence|absent|en conges|hors du bureau|fuera de la oficina|"
    r"\bausente\b|de vacaciones|fuori (?:sede|ufficio)|\bassente\b|assenza|in ferie|afwezig|niet aanwezig|"
    r"met vakantie|ausencia|fora do escritorio|de ferias|vacation reply|holiday notice"
)
_AUTO_SUBJECT = re.compile(
    r"auto(?:matic|mated)?[- ]?(?:reply|response|answer|antwort)|autoreply|automatische (?:antwort|ruckantwort)|"
    r"automatisch antwoord|reponse automatique|respuesta automatica|risposta automatica|resposta automatica|"
    r"^auto:|\[auto\]|ticket|request (?:received|#)|case\s*#|\[#?\d{3,}\]|we(?:'ve| have) received|"
    r"eingangsbestatigung|empfangsbestatigung|accuse de reception|acuse de recibo|conferma di ricezione|"
    r"ontvangstbevestiging|confirmacao de rece|read:|gelesen:|lu :|leido:|letto:|gelezen:|lida:"
)
_OOO_BODY = re.compile(
    r"(?:i am|i'm|i will be|i'll be|i shall be)\s+(?:currently\s+|now\s+)?(?:out of (?:the )?office|away|"
    r"on (?:annual |parental |maternity |paternity |sick |business )?(?:leave|vacation|holiday)|on a business"
    r" trip|travell?ing|out of town|off work|not in the office|unavailable|out of the country)"
    r"|limited (?:access to )?(?:e-?mail|my e-?mail)|no access to (?:my )?e-?mail"
    r"|(?:respond|reply|get back to you|answer)[^.\n]{0,40}(?:upon|on|after|when) (?:my return|i return|i'm back)"
    r"|for urgent (?:matters|requests|issues|enquiries|inquiries)"
    r"|(?:ich bin|bin ich)[^.\n]{0,60}(?:nicht im buro|abwesend|im urlaub|ausser haus|nicht erreichbar|"
    r"auf dienstreise|in elternzeit|nicht im haus)|(?:keinen|eingeschrankten) zugriff auf|in dringenden fallen"
    r"|(?:je suis|je serai)[^.\n]{0,30}(?:absent|en conges|en vacances|en deplacement|hors du bureau|de retour)"
    r"|en cas d'urgence|acces limite"
    r"|(?:estoy|estare)[^.\n]{0,30}(?:fuera de la oficina|de vacaciones|ausente|fuera)|regresare|"
    r"en caso de urgencia|acceso limitado"
    r"|(?:sono|saro)[^.\n]{0,30}(?:fuori (?:sede|ufficio)|in ferie|assente)|per (?:urgenze|questioni urgenti)"
    r"|rientrero"
    r"|(?:ik ben|ben ik)[^.\n]{0,40}(?:afwezig|met vakantie|niet op kantoor|niet bereikbaar|met verlof)"
    r"|in dringende gevallen|voor dringende zaken"
    r"|(?:estou|estarei)[^.\n]{0,30}(?:ausente|fora do escritorio|de ferias|fora)|em caso de urgencia"
    r"|acesso limitado"
)
_AUTO_BODY = re.compile(
    r"this is an automat(?:ed|ic) (?:message|response|reply|e-?mail|notification)|(?:please )?do not reply to "
    r"this (?:e-?mail|message)|(?:your|this) (?:request|ticket|case|message)(?: \(?#?\d+\)?)? has been "
    r"(?:received|created|logged|opened)|ticket (?:number|#|id|no)|we (?:have|'ve) received your (?:message|"
    r"e-?mail|request|inquiry|enquiry)|mailbox is (?:not|no longer) monitored|"
    r"automatisch (?:generiert|erstellt|versandt|verschickt)|"
    r"ihre (?:anfrage|nachricht|e-?mail) (?:ist )?(?:bei uns )?eingegangen|"
    r"message automatique|(?:votre|ce) (?:demande|message) a (?:bien )?ete (?:recu|enregistre)"
    r"|mensaje automatico|hemos recibido su (?:mensaje|solicitud|correo)|"
    r"messaggio automatico|abbiamo ricevuto (?:la sua|la tua|il suo|il tuo) |"
    r"automatisch (?:gegenereerd|verzonden)|we hebben (?:uw|je) (?:bericht|aanvraag|e-?mail) ontvangen|"
    r"mensagem automatica|recebemos (?:a sua|sua) "
)
_LEFT_COMPANY = re.compile(
    r"no longer (?:with|at|work(?:s|ing)? (?:at|for)|employed)|(?:has|have) left (?:the company|[a-z]+)|"
    r"nicht mehr (?:bei|im unternehmen|fur|tatig)|ne fait plus partie|ne travaille plus|ya no (?:trabaja|forma "
    r"parte)|non (?:lavora|fa) piu|niet meer (?:werkzaam|in dienst)|ja nao (?:trabalha|faz parte)"
)
_NOREPLY = re.compile(r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|notifications?|auto[-_.]?reply|"
                      r"autoresponder|automailer)\b")


@dataclass(frozen=True)
class AutoReply:
    kind: str  # "out_of_office" or "auto_reply"
    return_date: date | None
    return_phrase: str | None
    left_company: bool
    referred_email: str | None  # "please contact x@y instead", when the notice names someone
    from_headers: bool  # RFC 3834 or vendor headers said so, not only the wording
    reasons: tuple[str, ...]


def header_signals(mail: ParsedMail) -> tuple[list[str], list[str], list[str]]:
    """(strong, weak, supporting) machine-mail signals from the headers.

    Strong decides alone; weak decides for unthreaded mail or with machine wording; supporting only adds
    to the reasons (X-Auto-Response-Suppress is also set by Outlook and CRMs on mail people write).
    """
    h = {k: fold(v).strip() for k, v in mail.headers.items()}
    strong: list[str] = []
    weak: list[str] = []
    supporting: list[str] = []
    auto_submitted = h.get("auto-submitted", "")
    if auto_submitted and not auto_submitted.startswith("no"):
        strong.append(f"Auto-Submitted: {auto_submitted}")
    for name in ("x-autoreply", "x-autorespond", "x-autoreply-from"):
        if name in h and h[name] not in ("no", "false", "0"):
            strong.append(f"{name.title()} header")
    precedence = h.get("precedence", "")
    if precedence == "auto_reply":
        strong.append("Precedence: auto_reply")
    elif precedence in ("bulk", "junk", "list"):
        weak.append(f"Precedence: {precedence}")
    if mail.report_type and mail.report_type != "delivery-status":
        strong.append(f"{mail.report_type} report")
    elif mail.report_type == "delivery-status":
        strong.append("delivery report without a failure")
    if "x-auto-response-suppress" in h:
        supporting.append("X-Auto-Response-Suppress header")
    if "list-id" in h:
        weak.append("List-Id header (mailing list)")
    if _NOREPLY.match(mail.from_address):
        weak.append(f"no-reply sender {mail.from_address}")
    if mail.return_path == "":
        weak.append("null Return-Path")
    return strong, weak, supporting


def detect_auto_reply(mail: ParsedMail, new_text: str, reference: date | None) -> AutoReply | None:
    """An AutoReply when the message was written by a machine, else None."""
    strong, weak, supporting = header_signals(mail)
    subject = fold(mail.subject)
    human_subject = re.match(r"^\s*(?:re|aw|antw|sv|fwd?|wg|tr|rv)\s*:", subject) is not None
    text = fold(new_text[:MAX_AUTO_TEXT])
    short = len(new_text) <= MAX_AUTO_TEXT
    ooo_subject = _OOO_SUBJECT.search(subject) if not human_subject else None
    auto_subject = _AUTO_SUBJECT.search(subject) if not human_subject else None
    ooo_body = _OOO_BODY.findall(text) if short else []
    auto_body = _AUTO_BODY.search(text) if short else None
    threaded = bool(mail.in_reply_to or mail.references)

    reasons = list(strong)
    if ooo_subject:
        reasons.append(f"subject says {ooo_subject.group(0)!r}")
    elif auto_subject:
        reasons.append(f"subject says {auto_subject.group(0)!r}")
    if auto_body:
        reasons.append(f"text says {auto_body.group(0)!r}")
    if ooo_body:
        reasons.append(f"text says {ooo_body[0]!r}" + (f" (+{len(ooo_body) - 1} more)" if len(ooo_body) > 1 else ""))

    machine = bool(
        strong or ooo_subject or auto_subject or auto_body or len(ooo_body) >= 2
        or (weak and (ooo_body or not threaded))
    )
    if not machine:
        return None
    reasons.extend(w for w in weak + supporting if w not in reasons)
    left = bool(_LEFT_COMPANY.search(text))
    referred = next((e for e in find_emails(new_text) if e != mail.from_address), None) if left else None
    is_ooo = not left and bool(ooo_subject or ooo_body)
    found = find_return_date(new_text, reference) if is_ooo else None
    if is_ooo:
        reasons.append(f"return date {found.date.isoformat()} from {found.phrase!r}" if found
                       else "no return date in the text")
    if left:
        reasons.append("the person has left; " + (f"names {referred}" if referred else "names no one"))
    return AutoReply("out_of_office" if is_ooo else "auto_reply", found.date if found else None,
                     found.phrase if found else None, left, referred, bool(strong), tuple(reasons))
