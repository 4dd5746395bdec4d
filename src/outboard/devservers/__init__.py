"""Local protocol servers on loopback (DNS, SMTP/MX) for tests, benchmarks and the offline demo."""
