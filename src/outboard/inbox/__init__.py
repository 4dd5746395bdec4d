"""The inbox: read inbound mail, thread it to our conversations, and classify it.

Pure modules (no database, no IMAP): `parse` (bytes → ParsedMail, with `decoding` and `htmltext`), `quotes`
(the new text of a reply), `bounce`, `autoreply` (with `dates` for return dates), `optout`, `labels`,
`threading`, and `classify`, the ordered pipeline that the sync and `outboard inbox classify` both run.
"""
