"""The readiness check reads SPF, DKIM and DMARC from a real DNS server."""

from outboard.devservers.dns import DnsServer, DnsZone
from outboard.send.domain_check import check_domain


def test_published_and_missing_records_are_told_apart():
    zone = DnsZone()
    zone.add_txt("mail.example.test", "v=spf1 ip4:127.0.0.1 -all")
    zone.add_txt("_dmarc.mail.example.test", "v=DMARC1; p=quarantine")
    zone.add_txt("s1._domainkey.mail.example.test", "v=DKIM1; k=rsa; p=" + "A" * 400)
    zone.add_txt("bare.example.test", "google-site-verification=abc")
    with DnsServer(zone) as dns:
        server = f"127.0.0.1:{dns.port}"
        assert check_domain("mail.example.test", server) == {"spf": True, "dkim": True, "dmarc": True}
        assert check_domain("bare.example.test", server) == {"spf": False, "dkim": False, "dmarc": False}
        assert check_domain("nowhere.example.test", server) == {"spf": False, "dkim": False, "dmarc": False}
