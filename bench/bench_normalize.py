"""Single-core throughput of normalize_record on realistic mapped rows (prints rows/s).

    .venv/bin/python bench/bench_normalize.py [rows] [--workers N]

Rows imitate a mix of Apollo / Sales Navigator / HubSpot exports after column mapping: split or full names
(some ALL CAPS, some with titles, particles, non-Latin scripts), mixed-case work and free emails, LinkedIn
URLs in every form, company names with legal suffixes (20,000 companies), websites, phones in national,
international and Excel-mangled forms on 40% of rows, LinkedIn-style locations, custom columns.
Every email, LinkedIn id and phone is unique except for 5% of rows that repeat an earlier person in
another case; caches start cold.
"""

from __future__ import annotations

import random
import sys
import time
import unicodedata
from multiprocessing import Pool

from outboard.sources.dedup import DedupIndex
from outboard.sources.normalize import normalize_many, normalize_record

FIRST = ("Anna Lukas Sophie Jonas Marie Felix Laura Paul Julia Max Emma Leon Mia Noah Lea Elias Hannah Ben "
         "James Mary John Patricia Robert Jennifer Michael Linda David Sarah Daniel Karen Thomas Lisa Pierre "
         "Camille Louis Chloé Hugo Léa Giulia Marco Sofia Luca Lucía Javier Carmen Pablo Søren Ingrid Lars "
         "Maja Piotr Agnieszka Jan Eva Mehmet Ayşe Raj Priya Arjun Ananya Wei Mei Hiroshi Yuki Olga Dmitri "
         "Fatima Omar Yusuf Aisha Chen Min-jun Seo-yeon Zoë François Jürgen Björn Zoltán Ólafur").split()
LAST = ("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Klein Wolf "
        "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Wilson Anderson Taylor "
        "Martin Bernard Dubois Durand Lefebvre Rossi Russo Ferrari Esposito García Fernández López Jensen "
        "Nielsen Hansen Kowalski Nowak Novák Yılmaz Kaya Sharma Patel Gupta Wang Li Zhang Tanaka Suzuki "
        "Ivanova Petrov Haddad Khan Kim Park O'Brien McDonald Nguyen Silva Santos Oliveira Costa").split()
PARTICLE_LAST = ("van der Berg", "de la Cruz", "von Weizsäcker", "di Stefano", "van Dijk", "de Jong")
TITLES = ("Dr.", "Prof.", "Prof. Dr.", "Mr.", "Ms.")
NON_LATIN = ("王小明", "李华", "محمد علي", "فاطمة الزهراء", "Иван Петров", "Ольга Смирнова", "김민준", "田中 太郎")
COMPANY_WORDS = ("Acme Nova Blue Peak Data Cloud Bright Green Smart Next Prime Alpha Delta Vertex Quantum "
                 "North Stone River Solar Pixel Cyber Fusion Orbit Summit Core Logic Wave Spark Vision").split()
SUFFIXES = ("GmbH", "AG", "Inc.", "LLC", "Ltd", "S.A.", "SAS", "B.V.", "GmbH & Co. KG", "SE", "Corp.", "", "")
TLDS = ("com", "de", "io", "co.uk", "fr", "nl", "ch", "es", "it", "com.au")
FREE = ("gmail.com", "yahoo.com", "hotmail.com", "web.de", "gmx.de", "outlook.com")
LOCATIONS = ("Berlin, Germany", "Greater Munich Area", "Hamburg, Hamburg, Germany", "San Francisco Bay Area",
             "Paris, Île-de-France, France", "London, England, United Kingdom", "Deutschland",
             "New York, New York, United States", "Austin, TX", "Zürich, Schweiz", "Amsterdam Area",
             "Madrid, Comunidad de Madrid, España", "Greater Toronto Area, Canada", "Bengaluru, Karnataka, India",
             "Singapore", "Vienna, Austria", "Stockholm, Sweden", "Remote", "Springfield, Ohio", "")
JOBS = ("Head of Sales", "VP Marketing", "CTO", "Chief Executive Officer", "Account Executive",
        "Geschäftsführer", "Directeur Commercial", "Software Engineer", "Founder & CEO", "Head of Growth")


def _company(rng: random.Random, i: int) -> tuple[str, str]:
    base = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)}{'' if i % 3 else ' ' + str(i % 97)}"
    domain = base.lower().replace(" ", "") + "." + rng.choice(TLDS)
    return f"{base} {rng.choice(SUFFIXES)}".strip(), domain


def _name(rng: random.Random) -> tuple[str, str, str]:
    roll = rng.random()
    first, last = rng.choice(FIRST), rng.choice(LAST)
    if roll < 0.03:
        full = rng.choice(NON_LATIN)
        return full, "", ""
    if roll < 0.06:
        last = rng.choice(PARTICLE_LAST)
    if roll < 0.09:
        return f"{rng.choice(TITLES)} {first} {last}", "", ""
    if roll < 0.15:
        return f"{first} {last}".upper(), "", ""
    if roll < 0.50:
        return f"{first} {last}", "", ""
    return "", first, last


def _phone(rng: random.Random) -> str:
    digits = f"{rng.randrange(10**7, 10**8)}"
    return rng.choice((f"+49 170 {digits}", f"0170 {digits}", f"'+49 (0) 151 {digits}",
                       f"4.9170{digits}E+12", f"+1 415 555 {digits[:4]}", f"+44 20 7946 {digits[:4]}",
                       f"(0)30 {digits}"))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode() or "x"


def make_rows(count: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        full, first, last = _name(rng)
        company, domain = _company(rng, rng.randrange(20_000))
        local = f"{(first or 'contact').lower()}.{(last or str(i)).lower()}{i}".replace(" ", "")
        if rng.random() < 0.99:  # mailbox names are ASCII almost everywhere; a few are not
            local = _ascii(local)
        email = f"{local}@{rng.choice(FREE)}" if rng.random() < 0.15 else f"{local}@{domain}"
        if rng.random() < 0.3:
            email = email.title()
        handle = f"{local.replace('.', '-')}-{i:x}"
        linkedin = rng.choice((f"https://www.linkedin.com/in/{handle}/", f"http://de.linkedin.com/in/{handle}",
                               f"linkedin.com/in/{handle}?trk=abc", handle, ""))
        row = {"full_name": full, "first_name": first, "last_name": last, "email": email,
               "linkedin_url": linkedin, "title": rng.choice(JOBS), "company_name": company,
               "company_website": f"https://www.{domain}/" if rng.random() < 0.6 else "",
               "location": rng.choice(LOCATIONS), "phone": _phone(rng) if rng.random() < 0.4 else "",
               "Lists": "Q3 outreach", "Seniority": rng.choice(("VP", "Director", "C-Level", ""))}
        if rows and rng.random() < 0.05:  # the same person again, as another export writes them
            row = dict(rng.choice(rows))
            row["email"] = row["email"].upper()
            row["full_name"] = row["full_name"].upper()
            row["phone"] = ""
        rows.append(row)
    return rows


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 150_000
    workers = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else 1
    rows = make_rows(count)
    started, cpu_started = time.perf_counter(), time.process_time()
    if workers == 1:
        leads = [normalize_record(row) for row in rows]
    else:
        chunks = [rows[i : i + 2000] for i in range(0, len(rows), 2000)]
        with Pool(workers) as pool:
            leads = [lead for chunk in pool.imap(normalize_many, chunks) for lead in chunk]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    problems = sum(1 for lead in leads if lead.problems)
    print(f"normalize_record: {count} rows in {elapsed:.2f} s = {count / elapsed:,.0f} rows/s "
          f"on {workers} process(es), cold caches; {problems} rows with problems")
    if workers == 1:  # CPU time is what one core gives when other processes compete for the machine
        print(f"  {cpu:.2f} s of CPU = {count / cpu:,.0f} rows per CPU-second")
    index, started, cpu_started = DedupIndex(), time.perf_counter(), time.process_time()
    duplicates = sum(1 for i, lead in enumerate(leads) if not index.add(lead, i).is_new)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"DedupIndex.add: {count / elapsed:,.0f} rows/s, {count / cpu:,.0f} rows per CPU-second "
          f"({duplicates} duplicates found)")


if __name__ == "__main__":
    main()
