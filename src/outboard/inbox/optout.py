"""Opt-outs: worded unsubscribe requests in several languages, and mail sent to the unsubscribe alias.

Only the sender's new text is read: the quoted part holds our own footer ('reply "stop" or unsubscribe
here: <link>', "reply 'no thanks' and I won't write again"), which would otherwise turn every reply into an
opt-out. Mentions of an opt-out phrase as an instruction or a link ("reply 'unsubscribe' to ...",
"or unsubscribe here: https://...") are ignored for the same reason, in case quoting was not marked.
A reply that is nothing but the keyword our footer asks for ("stop", "no thanks", in several languages) is
the opt-out we promised to honour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from outboard.inbox.parse import ParsedMail
from outboard.inbox.text import fold

DEFAULT_ALIAS_PATTERN = r"unsubscribe(?:[+-](?P<token>[A-Za-z0-9._=~-]+))?"

_PHRASES = re.compile(
    r"\bunsubscribe\b|\bremove (?:me|us|my (?:e-?mail|address|details|data))\b|\btake (?:me|us) off\b|"
    r"\bopt (?:me |us )?out\b|\bstop (?:e-?mailing|mailing|contacting|messaging|writing to|sending (?:me|us))|"
    r"\b(?:do not|don't|dont|never) (?:e-?mail|contact|write to|message|mail) (?:me|us)\b|"
    r"\bno (?:more|further) (?:e-?mails|emails|mails|messages)\b|\b(?:do not|don't|no longer) (?:wish|want) to "
    r"(?:receive|get|hear)|\bdelete (?:my|our) (?:data|details|e-?mail|contact)|\bleave me alone\b|"
    r"\bnot (?:wish|want) to (?:receive|be contacted)"
    # German
    r"|\babmelden\b|\bmelden sie mich ab\b|\babbestellen\b|\baustragen\b|\btragen sie (?:mich|uns) .{0,40}\baus\b|"
    r"\bkeine (?:weiteren |weitere )?(?:e-?mails|mails|nachrichten|werbung|kontaktaufnahme)\b|"
    r"\bnicht mehr (?:kontaktieren|anschreiben|schreiben|anrufen)\b|\bloschen sie (?:meine|unsere) "
    r"(?:daten|adresse|e-?mail)|\b(?:streichen|nehmen|entfernen|loschen) sie (?:mich|uns)\b.{0,40}\b(?:liste|"
    r"verteiler|datenbank)"
    # French
    r"|\bdesinscri|\bdesabonn|\bne (?:plus|pas) (?:recevoir|me contacter|m'ecrire|m'envoyer|nous contacter)|"
    r"\bne me (?:contactez|ecrivez|sollicitez) plus\b|\bretirez[- ](?:moi|nous)\b|\bsupprimez (?:mon|mes|notre)"
    r" (?:adresse|donnees|e-?mail)|\bmerci de ne plus\b"
    # Spanish
    r"|\bdar(?:me|nos)? de baja\b|\bdarse de baja\b|\bno (?:me |nos )?(?:envien|envies|contacten|escriban|"
    r"manden) mas\b|\bno (?:quiero|queremos|deseo|deseamos) recibir|\belimin(?:en|ar)(?:me|nos)? de su lista|"
    r"\bquit(?:en|ar)(?:me|nos) de (?:su|la) lista"
    # Italian
    r"|\bcancellami\b|\bcancellatemi\b|\bcancellarmi\b|\bdisiscri|\brimuove(?:temi|rmi|re il mio)\b|"
    r"\bnon (?:voglio|desidero|vogliamo|desideriamo) (?:piu )?ricevere|\bnon (?:contattatemi|scrivetemi|"
    r"mi contattate|mi scrivete) piu\b"
    # Dutch
    r"|\buitschrijven\b|\bschrijf (?:me|mij|ons) uit\b|\bafmelden\b|\bhaal (?:me|mij|ons) (?:van|uit)\b|"
    r"\bgeen (?:e-?mails|mails|berichten) meer\b|\bniet meer (?:contacteren|mailen|benaderen)\b|"
    r"\bverwijder (?:mij|me|ons|mijn gegevens)\b"
    # Portuguese
    r"|\bdescadastr|\bcancelar (?:a )?(?:minha )?inscricao\b|\bremov(?:a|er)[- ]?(?:me)?\b.{0,20}\blista\b|"
    r"\bme remova\b|\bnao (?:quero|desejo|queremos) (?:mais )?receber|\bnao me (?:contacte|contactem|"
    r"envie|enviem) mais\b|\bparem de (?:me )?enviar\b"
)
# Our own instruction is "reply 'no thanks'": a reply that says just that is the opt-out we promised to honour.
_KEYWORD_REPLY = re.compile(
    r"^\W*(?:no,? thanks?(?: you)?|no thank you|stop|unsubscribe|remove|nein,? danke|non,? merci|"
    r"no,? gracias|no,? grazie|nee,? (?:bedankt|dank je|dank u)|nao,? obrigad[oa])\W*$"
)
_INSTRUCTION = re.compile(r"(?:reply|respond|answer|write|type|send|antworte\w*|repon\w*|respond\w*|rispond\w*|"
                          r"antwoord\w*)\W{0,3}(?:with\W{0,3})?['\"]?\W{0,2}$")
# "... or unsubscribe here: https://...", "click here to unsubscribe": a footer pointing at a link, not a request.
_MENTION_BEFORE = re.compile(r"(?:\bor|\bcan|\bmay|\bclick(?: here)?(?: to)?|\btap(?: here)? to)\s+$")
_MENTION_AFTER = re.compile(r"^\s*(?:here\b|link\b|below\b|at\s+https?:|:\s*https?:|https?://|\(?<https?:)")
_GREETING = re.compile(r"^(?:hi|hello|hey|dear|hallo|bonjour|hola|ciao|buongiorno|beste|ola|guten tag|sehr geehrte)"
                       r"\b[^\n]{0,40}$")
_SIGN_OFF = re.compile(r"^(?:--|thanks|many thanks|thank you|best|best regards|kind regards|regards|cheers|"
                       r"viele grusse|beste grusse|mit freundlichen grussen|gruss|grusse|lg|vg|mfg|cordialement|"
                       r"bien a vous|saludos|un saludo|saluti|cordiali saluti|groeten|met vriendelijke groet|"
                       r"abracos|atenciosamente|cumprimentos)[,.!]*$|^(?:sent from|von meinem|envoye de|enviado desde)")


@dataclass(frozen=True)
class OptOutConfig:
    """The unsubscribe alias: a full-match regex over the local part, with an optional `token` group."""

    alias_pattern: str = DEFAULT_ALIAS_PATTERN
    alias_domains: frozenset[str] | None = None  # lowercase; None: any domain we receive mail for


@dataclass(frozen=True)
class OptOut:
    via: str  # "alias" or "text"
    token: str | None
    phrase: str
    reasons: tuple[str, ...]


def alias_token(addresses: list[str], config: OptOutConfig) -> tuple[str, str | None] | None:
    """(address, token) of the first address that is our unsubscribe alias."""
    pattern = re.compile(config.alias_pattern, re.IGNORECASE)
    for address in addresses:
        local, _, domain = address.rpartition("@")
        if config.alias_domains is not None and domain.lower() not in config.alias_domains:
            continue
        match = pattern.fullmatch(local)
        if match:
            token = match.groupdict().get("token")
            return address, token
    return None


def _core_line(text: str) -> str:
    """The one line a short answer says, without greeting, sign-off and name; "" for longer messages."""
    kept: list[str] = []
    for line in fold(text).split("\n"):
        line = line.strip()
        if _SIGN_OFF.match(line):
            break
        if line and not _GREETING.match(line):
            kept.append(line)
    # A name under the answer ("No thanks\nPaul") is allowed; a second sentence is not.
    if len(kept) == 1 or (len(kept) == 2 and len(kept[1].split()) <= 3 and not kept[1].endswith((".", "?"))):
        return kept[0]
    return ""


def detect_opt_out(mail: ParsedMail, new_text: str, config: OptOutConfig | None = None) -> OptOut | None:
    config = config or OptOutConfig()
    hit = alias_token([mail.as_written(a) for a in mail.recipients], config)
    if hit:
        address, token = hit
        return OptOut("alias", token, address, (f"sent to the unsubscribe alias {address}",))
    core = _core_line(new_text)
    if core and _KEYWORD_REPLY.match(core):
        return OptOut("text", None, core, (f"answered our opt-out instruction: {core!r}",))
    subject = fold(mail.subject)
    sources = [("text", fold(new_text[:5000]))]
    if not re.match(r"^\s*(?:re|aw|antw|sv|fwd?|wg|tr|rv)\s*:", subject):
        sources.append(("subject", subject))  # a subject of their own, not ours echoed back
    for where, text in sources:
        for match in _PHRASES.finditer(text):
            before, after = text[max(0, match.start() - 25): match.start()], text[match.end(): match.end() + 25]
            if _INSTRUCTION.search(before) or _MENTION_BEFORE.search(before) or _MENTION_AFTER.match(after):
                continue  # "reply 'unsubscribe' to stop", "or unsubscribe here: <link>": a footer, not a request
            return OptOut("text", None, match.group(0), (f"{where} asks to opt out: {match.group(0)!r}",))
    return None
