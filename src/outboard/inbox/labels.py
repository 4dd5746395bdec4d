"""Labels for human replies, by weighted phrase rules in EN, DE, FR, ES, IT, NL and PT.

Each label sums the weights of the phrases found in the new text; the winner's confidence grows with its
evidence and shrinks with contradicting evidence. No evidence → no label, confidence 0: a person decides.
An LLM labeller plugs in through `ReplyLabeller`; the rules stay as the offline default and the fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from outboard.inbox.text import find_emails, fold

RULES_VERSION = "rules-1"
DEFAULT_REVIEW_THRESHOLD = 0.6


class Label(StrEnum):
    INTERESTED = "interested"
    MEETING_REQUEST = "meeting_request"
    INFORMATION_REQUEST = "information_request"
    NOT_INTERESTED = "not_interested"
    WRONG_PERSON = "wrong_person"


@dataclass(frozen=True)
class ReplyContext:
    """What a labeller may know besides the text: who wrote, to whom, about what."""

    subject: str = ""
    from_address: str = ""
    to: tuple[tuple[str, str], ...] = ()  # (email, display name)
    cc: tuple[tuple[str, str], ...] = ()
    our_addresses: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LabelResult:
    label: Label | None
    confidence: float
    referred_email: str | None = None
    referred_name: str | None = None
    reasons: tuple[str, ...] = ()
    labeller: str = RULES_VERSION


class ReplyLabeller(Protocol):
    """Anything that labels a reply's new text: the rules here, an LLM later."""

    name: str

    def label(self, new_text: str, context: ReplyContext) -> LabelResult: ...


def _rules(*pairs: tuple[str, float]) -> list[tuple[re.Pattern[str], float]]:
    return [(re.compile(pattern), weight) for pattern, weight in pairs]


_NOT_INTERESTED = _rules(
    (r"(?:\bnot|n't|\bnever)\s+(?:\w+\s+){0,2}interested\b|\buninterested\b|\bno interest\b|\bnot of interest\b",
     1.5),
    (r"\b(?:we're|we are|i'm|i am) (?:all )?(?:set|good|covered)\b(?! for (?:a|the) (?:call|meeting))", 1.0),
    (r"\balready (?:have|use|using|work with|working with|got|signed|partner)", 1.0),
    (r"\b(?:not|isn't|is not|aren't) (?:a (?:good |great )?fit|relevant|a priority|for us|for me|the right time)"
     r"\b", 1.0),
    (r"\bno (?:budget|need)\b", 0.8),
    (r"\bno,? thanks?\b|\bno thank you\b|\b(?:we'll|i'll|we will|i will) pass\b", 1.0),
    (r"\bnot (?:right )?now\b|\bnot at (?:this|the moment|the minute)\b|\bmaybe (?:next year|later|in the future)\b"
     r"|\breach out (?:again )?(?:in|next)\b", 0.7),
    (r"\bkein(?:e|en)? (?:interesse|bedarf)\b|\bnicht interessiert\b", 1.5),
    (r"\b(?:haben|nutzen|arbeiten|verwenden) (?:bereits|schon)\b|\bpasst (?:gerade |derzeit )?nicht\b", 1.0),
    (r"\bnein,? danke\b|\bderzeit nicht\b|\bmomentan nicht\b", 0.8),
    (r"\bpas interess|\bne (?:sommes|suis) pas interess|\bpas (?:d'interet|pour nous|le moment)\b", 1.5),
    (r"\bdeja (?:un|une|des) (?:prestataire|fournisseur|solution|outil)|\bnon merci\b", 1.0),
    (r"\bno (?:nos |me )?interesa\b|\bno estamos interesad|\bno estoy interesad", 1.5),
    (r"\bya (?:tenemos|trabajamos|contamos)\b|\bno,? gracias\b", 1.0),
    (r"\bnon (?:ci |mi )?interessa\b|\bnon siamo interessati\b|\bnon sono interessat", 1.5),
    (r"\babbiamo gia\b|\bno,? grazie\b", 1.0),
    (r"\bgeen interesse\b|\bniet geinteresseerd\b", 1.5),
    (r"\bhebben al\b|\bnee,? bedankt\b", 0.8),
    (r"\bnao (?:temos|tenho) interesse\b|\bnao (?:estou|estamos) interessad", 1.5),
    (r"\bja (?:temos|utilizamos|trabalhamos)\b|\bnao,? obrigad", 1.0),
)
_INTERESTED = _rules(
    (r"\binterest(?:ed|ing)\b", 1.0),
    (r"\bsounds (?:good|great|interesting|promising|relevant)\b", 1.0),
    (r"\btell me more\b|\b(?:i'd|i would|we'd|we would) (?:like|love) to (?:learn|hear|know|see) more\b", 1.2),
    (r"^\W*(?:yes|sure|absolutely|definitely)\b", 0.6),
    (r"\bkeen\b|\bcurious\b|\bopen to\b|\bhappy to (?:chat|talk|connect|learn|hear)\b", 0.8),
    (r"\binteress(?:ant|iert|iere)\b|\bklingt (?:gut|spannend|interessant)\b|\bspannend\b", 1.0),
    (r"\bgerne\b|\bgern\b", 0.6),
    (r"\binteress(?:e|es|ee|ees|ant|ante)\b|\bm'interesse\b|\bvolontiers\b|\bavec plaisir\b|\bpourquoi pas\b", 1.0),
    (r"\bme interesa\b|\binteresad[oa]s?\b|\binteresante\b|\bsuena bien\b|\bcon gusto\b", 1.0),
    (r"\bmi interessa\b|\binteressat[oi]\b|\binteressante\b|\bvolentieri\b", 1.0),
    (r"\binteressant\b|\bgeinteresseerd\b|\binteresse\b|\bklinkt goed\b", 1.0),
    (r"\btenho interesse\b|\binteressad[oa]\b|\bparece bom\b|\bcom certeza\b", 1.0),
)
_MEETING = _rules(
    (r"\b(?:call|meeting|chat|demo|zoom|teams|video ?call|intro call)\b", 0.6),
    (r"\b(?:let's|lets|can we|could we|shall we|happy to|we can|i can|we could) (?:set up|schedule|book|have|do|"
     r"hop on|jump on|arrange|find|talk|chat|meet|speak)\b", 0.9),
    (r"\bare you (?:free|available)\b|\bdoes .{0,25} work for you\b|\bwhat time works\b|\bwhen (?:are you|would "
     r"you be|is a good time)\b|\bhow about (?:monday|tuesday|wednesday|thursday|friday|next|tomorrow)", 1.2),
    (r"\b(?:send|share) (?:me |us )?(?:an? )?(?:calendar |meeting )?invite\b|\bcalendar invite\b", 1.2),
    (r"calendly\.com|cal\.com/|meetings\.hubspot|savvycal|\b(?:book|grab|pick) (?:a |some )?(?:time|slot)\b", 1.5),
    (r"\b(?:monday|tuesday|wednesday|thursday|friday|tomorrow|next week)\b.{0,30}\b(?:\d{1,2}(?::\d\d)? ?(?:am|pm)|"
     r"\d{1,2}:\d\d)", 1.0),
    (r"\bcall me\b|\bgive me a (?:call|ring)\b", 1.0),
    (r"\btermin\w*\b|\btelefonat\b|\btelefonieren\b|\bgesprach\b|\bvideocall\b", 0.9),
    (r"\bpasst (?:ihnen|dir|es)\b.{0,40}\?|\bwann (?:passt|haben sie zeit)\b|\buhr\b", 1.0),
    (r"\brendez-vous\b|\brdv\b|\breunion\b|\bappel\b|\bvisio\b|\bechange\b", 0.8),
    (r"\b(?:etes-vous|seriez-vous|es-tu|etes vous) disponible|\bon peut (?:se )?(?:caler|organiser|planifier)", 1.2),
    (r"\bllamada\b|\bvideollamada\b|\b(?:podemos|podriamos) (?:agendar|programar|organizar|tener|hablar)\b", 1.0),
    (r"\b(?:estas|esta) disponible\b", 1.2),
    (r"\briunione\b|\bchiamata\b|\bappuntamento\b|\b(?:possiamo|potremmo) (?:fissare|organizzare|sentirci|fare)",
     1.0),
    (r"\b(?:sei|e) disponibile\b", 1.2),
    (r"\bafspraak\b|\bbelafspraak\b|\bgesprek\b|\boverleg\b|\bbellen\b", 0.9),
    (r"\b(?:zullen we|kunnen we)\b.{0,50}\b(?:inplannen|afspreken|bellen|plannen)\b", 1.2),
    (r"\breuniao\b|\bchamada\b|\bligacao\b|\b(?:podemos|poderiamos) (?:marcar|agendar|conversar|falar)\b", 1.2),
)
_INFO = _rules(
    (r"\b(?:send|share|forward|email) (?:me |us )?(?:over )?(?:some |more |additional |further |a few |a |an |the "
     r"|your )?(?:info|information|details|materials?|deck|brochure|case stud|one-pager|pricing|prices|quote|"
     r"proposal|examples)", 1.5),
    (r"\bmore (?:info|information|details)\b", 1.2),
    (r"\bhow much\b|\bwhat (?:does it|do you|would it|does this) (?:cost|charge)\b|\bpricing\b|\bprice list\b",
     1.0),
    (r"\bprices?\b|\bcosts?\b", 0.5),
    (r"\bhow does (?:it|this|that) work\b|\bdo you (?:integrate|support|work with|offer)\b|\bcan (?:it|you) "
     r"(?:handle|integrate|connect)\b", 1.0),
    (r"\bcase stud(?:y|ies)\b|\breferences?\b|\bdeck\b|\bbrochure\b|\bwhite ?paper\b|\bdocumentation\b", 0.6),
    (r"\b(?:weitere|mehr|nahere|ausfuhrlichere) (?:informationen|infos|details|unterlagen)\b|\binfos\b", 1.5),
    (r"\b(?:schicken|senden|zusenden) sie mir\b|\bpreis(?:e|liste)?\b|\bkosten\b|\bangebot\b|\bunterlagen\b", 1.0),
    (r"\bplus d'(?:informations|infos|details)\b|\bdocumentation\b|\btarifs?\b|\bprix\b|\bdevis\b|\bcombien\b", 1.2),
    (r"\bmas (?:informacion|detalles|info)\b|\bprecios?\b|\bcuanto cuesta\b|\btarifas?\b|\bpresupuesto\b", 1.2),
    (r"\b(?:maggiori|piu|ulteriori) (?:informazioni|dettagli|info)\b|\bprezz[io]\b|\blistino\b|\bpreventivo\b"
     r"|\bpresentazione\b", 1.2),
    (r"\bmeer (?:informatie|info|details)\b|\bprijz(?:en)?\b|\bprijs\b|\bofferte\b", 1.2),
    (r"\bmais (?:informacoes|informacao|detalhes|info)\b|\bprecos?\b|\bquanto custa\b|\borcamento\b", 1.2),
    (r"\?", 0.3),
)
_WRONG_PERSON = _rules(
    (r"\bnot the (?:right|best|correct|appropriate) (?:person|contact|one)\b|\bwrong (?:person|contact)\b", 2.0),
    (r"\b(?:reach out to|contact|speak (?:to|with)|talk to|get in touch with|write to)\b.{0,80}\b(?:instead|who "
     r"(?:handles|is responsible|looks after|owns|runs|leads|manages)|(?:she|he|they)(?:'s| is| are) (?:the right|"
     r"responsible|in charge))", 1.5),
    (r"\b(?:looping|loop|copying|cc'?ing|cc-ing|adding) (?:in )?(?:my )?(?:colleague|coworker|co-worker|team ?mate"
     r"|[a-z]+ (?:who|from|in))", 1.2),
    (r"\b(?:i've|i have|i) forwarded (?:this|your)|\bforwarding (?:this|your \w+) (?:on )?to\b|\bpassed (?:this|"
     r"your \w+) (?:on|along)\b", 1.5),
    (r"\bno longer (?:work|with|at|responsible)|\bnot responsible for\b|\bnot my (?:area|department|"
     r"responsibility)\b|\b(?:don't|do not) handle\b|\bhandles (?:this|these|that)\b", 1.5),
    (r"\bnicht (?:der|die) (?:richtige|zustandige)n? (?:ansprechpartner(?:in)?|person|kontakt)\b|\bnicht zustandig"
     r"\b", 2.0),
    (r"\bwenden sie sich (?:bitte )?an\b|\bzustandig ist\b|\bist .{0,30}zustandig\b|\bkummert sich\b", 1.5),
    (r"\b(?:habe|hab) (?:ihre (?:e-?mail|nachricht)|das|es|sie) .{0,40}weitergeleitet\b", 1.5),
    (r"\bpas la bonne (?:personne|interlocutrice)\b|\bpas le bon (?:interlocuteur|contact)\b", 2.0),
    (r"\bcontactez plutot\b|\badressez-vous a\b|\bs'occupe de\b|\best en charge\b|\bj'ai transfere\b", 1.5),
    (r"\bno soy la persona (?:adecuada|indicada|correcta)\b", 2.0),
    (r"\bes (?:el|la) (?:encargad[oa]|responsable)\b|\bse encarga\b|\b(?:he|le he) reenviado\b", 1.5),
    (r"\bnon sono la persona giusta\b", 2.0),
    (r"\bsi occupa\b|\be (?:il|la) responsabile\b|\bho inoltrato\b|\bsi rivolga a\b", 1.5),
    (r"\bniet de (?:juiste|aangewezen) (?:persoon|contactpersoon)\b", 2.0),
    (r"\bneem contact op met\b|\bis verantwoordelijk\b|\bgaat (?:hier|daar)over\b|\bdoorgestuurd\b", 1.5),
    (r"\bnao sou a pessoa (?:certa|indicada|correta)\b", 2.0),
    (r"\be (?:o|a) responsavel\b|\bcuida (?:disso|deste)\b|\bencaminhei\b", 1.5),
)
_NAME_AFTER = re.compile(
    r"(?:reach out to|contact|speak (?:to|with)|talk to|get in touch with|looping in|loop in|cc'?ing|copying|"
    r"[Ww]enden Sie sich (?:bitte )?an|[Cc]ontactez(?: plutôt)?|[Cc]ontacte (?:a|con)|[Cc]ontatti|"
    r"neem contact op met|[Ff]ale com|colleague|Kolleg(?:e|in|en)|coll[èe]gue|compañer[oa]|collega|colega)"
    r",?\s+(?:(?:Herrn?|Frau|Mr\.?|Ms\.?|Mrs\.?|M\.|Mme|Sr\.|Sra\.)\s+)?"
    r"((?:[A-ZÄÖÜÉÈÀÇÑ][\w'’-]+)(?:\s+[A-ZÄÖÜÉÈÀÇÑ][\w'’-]+){0,2})"
)
_NOT_NAMES = {"I", "We", "Our", "The", "Me", "Us", "Him", "Her", "Them", "He", "She", "They", "Ihr", "Ihre",
              "Sie", "Mr", "Ms"}


def _score(rules: list[tuple[re.Pattern[str], float]], text: str) -> tuple[float, list[str]]:
    total, hits = 0.0, []
    for pattern, weight in rules:
        match = pattern.search(text)
        if match:
            total += weight
            hits.append(match.group(0).strip())
    return total, hits


def _confidence(support: float, against: float) -> float:
    strength = 1 - 0.25 ** support  # one strong phrase ≈ 0.75, two ≈ 0.94
    return round(min(0.97, strength * support / (support + against)), 2)


def _referral(new_text: str, context: ReplyContext) -> tuple[str | None, str | None]:
    ours = context.our_addresses | {context.from_address}
    email = next((e for e in find_emails(new_text) if e not in ours), None)
    names = dict(context.to + context.cc)
    if email is None:
        domain = context.from_address.rpartition("@")[2]
        colleagues = [e for e, _ in context.to + context.cc if e not in ours and e.rpartition("@")[2] == domain]
        email = colleagues[0] if colleagues else None
    name = names.get(email or "") or None
    if name is None:
        for match in _NAME_AFTER.finditer(new_text):
            words = [w for w in match.group(1).split() if w not in _NOT_NAMES]
            if words:
                name = " ".join(words)
                break
    return email, name


class RuleLabeller:
    name = RULES_VERSION

    def label(self, new_text: str, context: ReplyContext) -> LabelResult:
        text = fold(new_text[:5000])
        negative, neg_hits = _score(_NOT_INTERESTED, text)
        # Blank the negative phrases so "not interested" does not also count as "interested".
        positive_text = text
        for pattern, _ in _NOT_INTERESTED:
            positive_text = pattern.sub(lambda m: " " * len(m.group(0)), positive_text)
        interested, int_hits = _score(_INTERESTED, positive_text)
        meeting, meet_hits = _score(_MEETING, positive_text)
        info, info_hits = _score(_INFO, positive_text)
        wrong, wrong_hits = _score(_WRONG_PERSON, text)
        positive = interested + meeting + info

        if wrong >= 1.5:
            email, name = _referral(new_text, context)
            reasons = [f"wrong person: {', '.join(repr(h) for h in wrong_hits)}"]
            if email or name:
                reasons.append(f"referred to {name or ''} {f'<{email}>' if email else ''}".strip())
            return LabelResult(Label.WRONG_PERSON, _confidence(wrong, negative * 0.5 + positive * 0.3), email,
                               name, tuple(reasons))
        if negative > 0 and negative >= positive:
            return LabelResult(Label.NOT_INTERESTED, _confidence(negative, positive),
                               reasons=(f"declines: {', '.join(repr(h) for h in neg_hits)}",))
        # The specific positive labels win over plain interest, which then backs them up.
        candidates = [(meeting, Label.MEETING_REQUEST, meet_hits), (info, Label.INFORMATION_REQUEST, info_hits)]
        candidates.sort(key=lambda c: c[0], reverse=True)
        score, label, hits = candidates[0]
        if round(score, 2) >= 0.9 or (score > 0 and interested == 0):
            other = candidates[1][0]
            support = score + 0.5 * interested
            return LabelResult(label, _confidence(support, negative + other * 0.5),
                               reasons=(f"{label.value.replace('_', ' ')}: {', '.join(repr(h) for h in hits)}",))
        if interested > 0:
            return LabelResult(Label.INTERESTED, _confidence(interested + score * 0.5, negative),
                               reasons=(f"interest: {', '.join(repr(h) for h in int_hits)}",))
        return LabelResult(None, 0.0, reasons=("no label rule matched",))
