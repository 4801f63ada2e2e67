"""Rebuild the real part of the corpus from the fetched sources.

Real passages are taken verbatim from public sources whose licence allows
shipping them (see the datasheet, corpus/README.md). This script does the
part of the work that needs no judgement, deterministically:

``extract``
    Reads each source from a git directory (a clone or a bare mirror, at the
    commit recorded in SOURCES), cuts its documents into passages of 1-6
    sentences as they stand (whitespace and markup normalised only), and
    draws the sample: about half of each source's passages at random, the
    rest targeted by cue words so that every label gets enough real rows, at
    most a few passages per document. Then it cuts again, at their recorded
    positions, the passages that later labelling rounds chose from the pool
    (``annotation/real/supplement.jsonl``). Writes
    ``annotation/real/passages.jsonl`` (text and provenance, no labels).
    Partitions reserved for outside evaluation are never read.
``pool``
    Writes every paragraph of the documents the sample left untouched as one
    candidate passage: what ``communique corpus sample`` chose the later
    rounds from.
``merge``
    Joins those passages with the adjudicated labels
    (``annotation/real/labels.jsonl``) and writes ``statements.jsonl``: the
    written rows first, unchanged, then the real rows, leaving out unusable
    passages and the later of two near-duplicates.

Usage (from the repository root)::

    git clone https://github.com/SarahFranzen/Emotions_in_the_United_Nations_General_Debates ungd
    git clone https://github.com/markschaver/State-Department-PR state-dept
    python corpus/build_real.py extract --source ungd=ungd --source state-dept=state-dept
    python corpus/build_real.py merge

Every other source listed in SOURCES is given the same way.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import json
import random
import re
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from communique.documents.segmentation import split_sentences  # noqa: E402

PASSAGES = HERE / "annotation" / "real" / "passages.jsonl"
DOCUMENT_TEXTS = HERE / "annotation" / "real" / "documents.jsonl"
# Passages chosen after the first round to fill rare labels, by `communique corpus sample`
# over the pool this script writes (see the datasheet); rebuilt here from their positions.
SUPPLEMENT = HERE / "annotation" / "real" / "supplement.jsonl"
LABELS = HERE / "annotation" / "real" / "labels.jsonl"
STATEMENTS = HERE / "statements.jsonl"
SEED = 20261207

MIN_SENTENCES, MAX_SENTENCES = 1, 6
# Window sizes drawn for a passage: real passages are mostly short.
WINDOW_WEIGHTS = {1: 30, 2: 25, 3: 20, 4: 12, 5: 8, 6: 5}
MIN_CHARS, MAX_CHARS = 40, 1500

# Cue words that make a window worth targeting for a label. They only choose
# what annotators see; the label comes from reading the passage.
TARGET_CUES = {
    "denial": (
        r"groundless|baseless|unfounded (?:accusation|allegation|claim|charge)|fabricat|slander|smear|"
        r"false (?:accusation|allegation|claim)|categorically (?:reject|den)|"
        r"(?:reject|den(?:y|ies|ied)|refute|dismiss)\w* (?:\w+ ){0,4}(?:accusation|allegation|claim|charge|assertion)s?|"
        r"nothing to do with|(?:accusation|allegation)s? (?:\w+ ){0,3}(?:are|is|were) (?:\w+ )?(?:false|untrue|"
        r"baseless|unfounded|groundless|absurd|ridiculous|without)|no (?:basis|foundation) (?:in|whatsoever)|"
        r"not responsible for|bears? no responsibility|has never (?:\w+ ){0,2}(?:interfer|attack|used|violat)|"
        r"propaganda campaign|witch.?hunt|nonsense|rubbish|(?:is|are|was) (?:simply |absolutely )?(?:not true|untrue)|"
        r"no (?:proof|evidence)|(?:never|not|no one has) (?:\w+ ){0,2}(?:interfer|proven|proved)|(?:are|is|was) (?:a )?lies?\b|"
        r"outright lie|lies and|russophob|slanderous|we (?:categorically |firmly |strongly )?(?:reject|deny|refute)\b"
    ),
    "sanction_threat": (
        r"sanction|countermeasure|retaliat|consequences|impose costs|will respond|reserves? the right|"
        r"restrictive measures|expel|persona non grata|visa restriction|designat|freez\w* (?:\w+ )?assets|"
        r"blocked|reward of up to|rewards for justice|hold \w+ (?:\w+ )?accountable|all options|punish|"
        r"embargo|will not hesitate|severe(?:ly)? respon"
    ),
    "condemnation": (
        r"condemn|deplor|denounc|unacceptable|violat|outrage|aggression|atrocit|reprehensible|"
        r"strongly (?:oppose|object)|protest|regret|abhorrent|heinous|brutal|illegal|unjustified|"
        r"unprovoked|occupation|holds? .{0,40}responsible|crimes? against"
    ),
    "solidarity": (
        r"solidarity|stands? (?:with|by)|standing (?:with|by)|condolence|sympath|thoughts (?:\w+ ){0,3}are with|"
        r"support (?:for|to) the (?:people|government)|unwavering support|shoulder to shoulder|our hearts|"
        r"difficult time|grief|mourn|ready to (?:assist|help)|steadfast support|friendship and support"
    ),
}
# Share of a source's targeted passages given to each label's cues: denials
# are rare in real text, so they get the largest share.
TARGET_SHARES = {"denial": 0.36, "sanction_threat": 0.22, "condemnation": 0.2, "solidarity": 0.22}


@dataclass
class Document:
    """One source document, cut into paragraphs, each with the speaker whose turn it is."""

    key: str  # unique over all sources: "<source>:<id>"
    source: str
    paragraphs: list[str]
    provenance: dict = field(default_factory=dict)
    speakers: list[str] = field(default_factory=list)  # per paragraph; empty: provenance["speaker"]
    marked: list[str] = field(default_factory=list)  # paragraphs with their turn marks, as the source shows them

    def speaker(self, paragraph: int) -> str:
        return self.speakers[paragraph] if self.speakers else self.provenance.get("speaker", "")


@dataclass(frozen=True)
class Source:
    name: str
    repository: str
    commit: str
    license: str
    share: int  # passages to draw from this source
    target_shares: tuple[tuple[str, float], ...] = tuple(TARGET_SHARES.items())


def _git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(git_dir), *args], capture_output=True, check=True).stdout


class _Blobs:
    """Reads many files of one repository through a single ``git cat-file --batch``."""

    def __init__(self, git_dir: Path):
        self._process = subprocess.Popen(
            ["git", "--git-dir", str(git_dir), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )

    def read(self, revision: str, path: str) -> bytes:
        self._process.stdin.write(f"{revision}:{path}\n".encode())
        self._process.stdin.flush()
        header = self._process.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            raise FileNotFoundError(f"{revision}:{path}")
        data = self._process.stdout.read(int(header[2]))
        self._process.stdout.read(1)
        return data


def _git_dir(path: Path) -> Path:
    """A clone's .git folder, or the path itself for a bare repository."""
    return path / ".git" if (path / ".git").exists() else path


def normalise(text: str) -> str:
    """Whitespace and typographic normalisation only: the words stay as they stand."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\u00ad", "")
    text = re.sub(r"\*\*|__", "", text)  # Markdown emphasis in some transcripts
    text = re.sub(r"^\s*(?:[-*\u2022\u00b7]\s+)", "", text)  # a bullet before a list item
    return re.sub(r"\s+", " ", text).strip()


# A transcript marks each turn with its speaker ("MR PRICE:", "Vladimir Putin:",
# "Question:"). The mark is markup: it moves to the row's speaker field.
_TURN = re.compile(
    r"^((?:[A-Z][A-Za-z.'\u2019-]*|of|the|de|al|bin)(?: (?:[A-Z][A-Za-z.'\u2019-]*|of|the|de|al|bin)){0,6}) ?:\s+(?=\S)"
)
NOT_SPEAKERS = frozenset({"Note", "Editor's note", "Source", "Read more", "See also", "Attachment", "Attachments"})


def split_turns(
    paragraphs: list[str], default: str, officials: str = "", country: str = ""
) -> tuple[list[str], list[str], list[str]]:
    """Paragraphs without their turn marks, and the speaker of each (a mark holds until the next).

    A marked name matching ``officials`` is the site's own government and is
    prefixed with ``country``; other names (guests, journalists) are kept bare.
    """
    texts, speakers, marked, current = [], [], [], default
    for paragraph in paragraphs:
        original = paragraph
        match = _TURN.match(paragraph)
        if match and match.group(1) not in NOT_SPEAKERS and len(match.group(1)) <= 60:
            name = match.group(1).strip()
            name = name if name.upper() != name else name.title()  # MR PRICE -> Mr Price
            if name.lower() in {"question", "questions", "q", "journalist"}:
                current = "journalist"
            elif officials and re.search(officials, name, re.IGNORECASE):
                current = f"{country}{name}"
            else:
                current = name
            paragraph = paragraph[match.end() :]
        if paragraph.strip():
            texts.append(paragraph)
            speakers.append(current)
            marked.append(original)
    return texts, speakers, marked


# -- UN General Debate --------------------------------------------------------------

UNGD_RESERVED_YEARS = {2018, 2022}  # kept for outside evaluation: never read
UNGD_FIRST_YEAR = 1970
_UNGD_NAME = re.compile(r"TXT/Session (\d+) - (\d{4})/([A-Z]{2,3})_\d+_\d{4}\.txt$")
_PARAGRAPH_NUMBER = re.compile(r"^\d{1,3}\.\s+")
_LINE_END = re.compile(r"[.!?:;\"\u201d\u2019)\]]\s*$")


def _ungd_speakers(git_dir: Path, commit: str) -> dict[tuple[int, str], str]:
    data = _git(git_dir, "show", f"{commit}:data/data_original/Speakers_by_session.xlsx")
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    book = zipfile.ZipFile(BytesIO(data))
    shared = [
        "".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t"))
        for si in ET.fromstring(book.read("xl/sharedStrings.xml")).findall("m:si", ns)
    ]
    speakers = {}
    for row in ET.fromstring(book.read("xl/worksheets/sheet1.xml")).findall(".//m:row", ns)[1:]:
        cells = {}
        for cell in row.findall("m:c", ns):
            value = cell.find("m:v", ns)
            if value is None:
                continue
            text = shared[int(value.text)] if cell.get("t") == "s" else value.text
            cells[re.sub(r"\d", "", cell.get("r"))] = (text or "").strip()
        try:
            year = int(float(cells["A"]))
        except (KeyError, ValueError):
            continue
        country, name, post = cells.get("D", ""), cells.get("E", ""), cells.get("F", "")
        who = ", ".join(p for p in (name, post) if p)
        speakers[(year, cells.get("C", ""))] = f"{country}: {who}" if who else country
    return speakers


def _ungd_paragraphs(text: str) -> list[str]:
    """Paragraphs of a speech: one a line, hard-wrapped lines joined, UN paragraph numbers dropped."""
    paragraphs, current = [], []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        current.append(_PARAGRAPH_NUMBER.sub("", line) if not current else line)
        if _LINE_END.search(line):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return [normalise(p) for p in paragraphs if any(c.isalpha() for c in p)]


def ungd_documents(source: Source, git_dir: Path) -> Iterator[Document]:
    speakers = _ungd_speakers(git_dir, source.commit)
    blobs = _Blobs(git_dir)
    listing = _git(git_dir, "ls-tree", "-r", "--name-only", source.commit, "data/data_original/TXT/").decode()
    for path in sorted(listing.splitlines()):
        match = _UNGD_NAME.search(path)
        if not match or "/._" in path:
            continue
        year, iso = int(match.group(2)), match.group(3)
        if year in UNGD_RESERVED_YEARS or year < UNGD_FIRST_YEAR:
            continue
        text = blobs.read(source.commit, path).decode("utf-8", "replace")
        yield Document(
            key=f"ungd:{iso}_{year}",
            source=source.name,
            paragraphs=_ungd_paragraphs(text),
            provenance={
                "source": f"{source.repository}:{path}@{source.commit[:12]}",
                "date": str(year),
                "speaker": speakers.get((year, iso), iso),
                "title": f"UN General Debate, session {int(match.group(1))} ({year}), {iso}",
            },
        )


# -- U.S. State Department press releases ---------------------------------------------

STATE_RESERVED_FROM = "2022-06-01"  # items from this date on are kept for outside evaluation: never read
STATE_OFFICIALS = (
    r"secretary|official|moderator|spokes|^m[rs]s? (?:price|porter|patel)$|ambassador thomas|blinken|nuland|sherman"
)
_ITEM = re.compile(r"<item>(.*?)</item>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _field(item: str, tag: str) -> str:
    match = re.search(rf"<{tag}[^>]*>(.*?)</{tag}>", item, re.S)
    value = match.group(1) if match else ""
    return value.removeprefix("<![CDATA[").removesuffix("]]>")


def _html_paragraphs(content: str) -> list[str]:
    content = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.S | re.I)
    pieces = re.split(r"</?(?:p|div|li|h\d|br|blockquote|tr)\b[^>]*>", content, flags=re.I)
    return [p for p in (normalise(_TAG.sub(" ", piece)) for piece in pieces) if any(c.isalpha() for c in p)]


def state_documents(source: Source, git_dir: Path) -> Iterator[Document]:
    """Every item ever published in the feed, from every stored version of data.rss, oldest version first."""
    revisions = _git(git_dir, "rev-list", "--reverse", source.commit, "--", "data.rss").decode().split()
    seen: dict[str, Document] = {}
    blobs = _Blobs(git_dir)
    for revision in revisions:
        feed = blobs.read(revision, "data.rss").decode("utf-8", "replace")
        for match in _ITEM.finditer(feed):
            item = match.group(1)
            guid = _field(item, "guid").strip()
            if guid in seen:
                continue
            date = parsedate_to_datetime(_field(item, "pubDate").strip()).date().isoformat()
            if date >= STATE_RESERVED_FROM:
                continue
            page = re.search(r"(\d+)$", guid)
            paragraphs = _html_paragraphs(_field(item, "content:encoded"))
            speaker = "United States: " + (_field(item, "dc:creator").strip() or "Department of State")
            if paragraphs and len(paragraphs[0]) < 80 and not _LINE_END.search(paragraphs[0]):
                # A byline opens the item: "Office of the Spokesperson", "Antony J. Blinken, ..."
                speaker = "United States: " + paragraphs.pop(0)
            paragraphs, speakers, marked = split_turns(paragraphs, speaker, STATE_OFFICIALS, "United States: ")
            seen[guid] = Document(
                key=f"state:{page.group(1) if page else hashlib.sha1(guid.encode()).hexdigest()[:10]}",
                source=source.name,
                paragraphs=paragraphs,
                provenance={
                    "source": f"{source.repository}:data.rss@{revision[:12]} item {guid}",
                    "url": _field(item, "link").strip(),
                    "date": date,
                    "speaker": speaker,
                    "title": normalise(_field(item, "title")),
                },
                speakers=speakers,
                marked=marked,
            )
    yield from sorted(seen.values(), key=lambda d: d.key)


# -- Kremlin (en.kremlin.ru) ------------------------------------------------------------

KREMLIN_OFFICIALS = r"putin|medvedev|peskov|ushakov|lavrov|president of russia|presidential"
UKRAINE_OFFICIALS = r"zelensk|yermak|kuleba|president of ukraine"
_KREMLIN_PAGE = re.compile(r"events/president/news/(\d+)\.html$")


def kremlin_documents(source: Source, git_dir: Path) -> Iterator[Document]:
    """News pages of the President of Russia's site, as saved in the mirror."""
    listing = _git(git_dir, "ls-tree", "-r", "--name-only", source.commit, "var/extract/en.kremlin.ru/").decode()
    blobs = _Blobs(git_dir)
    for path in sorted(listing.splitlines(), key=lambda p: (len(p), p)):
        match = _KREMLIN_PAGE.search(path)
        if not match:
            continue
        page = blobs.read(source.commit, path).decode("utf-8", "replace")
        start = page.find('itemprop="articleBody"')
        end = page.find("read__bottommeta", start)
        date = re.search(r'class="read__published" datetime="(\d{4}-\d{2}-\d{2})"', page)
        if start < 0 or end < 0 or not date:
            continue
        body = re.sub(r"<span class=\"read__tooltip.*?</span></span></span>", "", page[start:end], flags=re.S)
        paragraphs = [normalise(_TAG.sub(" ", p)) for p in re.findall(r"<p[^>]*>(.*?)</p>", body, re.S)]
        paragraphs = [p for p in paragraphs if any(c.isalpha() for c in p)]  # drops "* * *" separators
        paragraphs, speakers, marked = split_turns(
            paragraphs, "Russia: President of Russia (Kremlin)", KREMLIN_OFFICIALS, "Russia: "
        )
        title = re.search(r'<h1 class="entry-title[^>]*>(.*?)</h1>', page, re.S)
        yield Document(
            key=f"kremlin:{match.group(1)}",
            source=source.name,
            paragraphs=paragraphs,
            provenance={
                "source": f"{source.repository}:{path}@{source.commit[:12]}",
                "url": f"http://en.kremlin.ru/events/president/news/{match.group(1)}",
                "date": date.group(1),
                "speaker": "Russia: President of Russia (Kremlin)",
                "title": normalise(_TAG.sub(" ", title.group(1))) if title else "",
            },
            speakers=speakers,
            marked=marked,
        )


# -- Kremlin and President of Ukraine, October 2021 to June 2022 --------------------------

# These bodies have lost their paragraph breaks; a turn mark inside one starts a new paragraph.
_INLINE_TURN = re.compile(
    r"(?<=[.!?\u2026\"\u201d\u2019] )(?=(?:President of Russia )?[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}: [A-Z\"\u201c])"
    r"|(?<=[.!?\u2026\"\u201d\u2019] )(?=(?:Question|Remark|Reply): )"
)


def presidents_2022_documents(source: Source, git_dir: Path) -> Iterator[Document]:
    csv.field_size_limit(2**31 - 1)  # press-release bodies run past the default 128 KiB
    sites = (
        ("putin.csv", "kremlin22", "Russia: President of Russia (Kremlin)", KREMLIN_OFFICIALS, "Russia: "),
        (
            "zelenskyy.csv",
            "ukraine",
            "Ukraine: President of Ukraine (Office of the President)",
            UKRAINE_OFFICIALS,
            "Ukraine: ",
        ),
    )
    for name, prefix, default, officials, country in sites:
        path = f"press_release_data/{name}"
        text = _git(git_dir, "show", f"{source.commit}:{path}").decode("utf-8", "replace")
        for row in csv.DictReader(text.splitlines(keepends=True)):
            link = row["link"].strip()
            body = normalise(row["body"].replace("* * *", "\n"))
            paragraphs, speakers, marked = split_turns(
                [p for p in _INLINE_TURN.split(body) if p.strip()], default, officials, country
            )
            key = re.sub(r"[^A-Za-z0-9]+", "-", link.rstrip("/").rsplit("/", 1)[-1])[:60]
            yield Document(
                key=f"{prefix}:{key}",
                source=source.name,
                paragraphs=paragraphs,
                provenance={
                    "source": f"{source.repository}:{path}@{source.commit[:12]} row {link}",
                    "url": link,
                    "date": row["date"][:10],
                    "speaker": default,
                    "title": normalise(row["headline"]),
                },
                speakers=speakers,
                marked=marked,
            )


SOURCES = {
    "ungd": (
        Source(
            "ungd",
            "SarahFranzen/Emotions_in_the_United_Nations_General_Debates",
            "3b277c419f85fd6e1f14f69a5fd29a3a6b59fc96",
            "CC0-1.0 (UN General Debate Corpus, Jankin, Baturo and Dasandi, Harvard Dataverse "
            "doi:10.7910/DVN/0TJX8Y); UN official records",
            2000,
            (("denial", 0.44), ("sanction_threat", 0.2), ("condemnation", 0.16), ("solidarity", 0.2)),
        ),
        ungd_documents,
    ),
    "state-dept": (
        Source(
            "state-dept",
            "markschaver/State-Department-PR",
            "cd530c3f052fb81ae5ecc187d0c335100d3de922",
            "public domain (work of the U.S. Government, 17 U.S.C. 105)",
            1500,
        ),
        state_documents,
    ),
    "kremlin": (
        Source(
            "kremlin",
            "iandennismiller/valdai-transcripts",
            "d365d811cb40d792621e10c96f38729f6150cb21",
            "CC BY 4.0 (en.kremlin.ru, President of Russia; attribution: the row's url)",
            800,
        ),
        kremlin_documents,
    ),
    "presidents-2022": (
        Source(
            "presidents-2022",
            "PeiYiZhuo/zelenskyy-putin",
            "134450b5183c05bcbaac31d87e0e0ed65d54986e",
            "CC BY 4.0 (en.kremlin.ru, President of Russia; president.gov.ua, President of Ukraine; "
            "attribution: the row's url)",
            500,
        ),
        presidents_2022_documents,
    ),
}


# -- passages and sampling -------------------------------------------------------------


@dataclass
class Candidate:
    document: Document
    paragraph: int
    first: int  # index of the first sentence in the paragraph
    sentences: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    @property
    def id(self) -> str:
        return f"{self.document.key.replace(':', '-')}-p{self.paragraph}-s{self.first}-{len(self.sentences)}"


def _usable(text: str) -> bool:
    if not MIN_CHARS <= len(text) <= MAX_CHARS:
        return False
    # OCR debris and tables are mostly not letters; other scripts are not English.
    letters = sum(c.isalpha() for c in text)
    latin = sum(ord(c) < 0x250 or c in "\u2018\u2019\u201c\u201d\u2013\u2014" for c in text)
    return letters / len(text) > 0.6 and latin / len(text) > 0.97


def _window(sentences: list[str], centre: int, rng: random.Random) -> tuple[int, list[str]]:
    size = rng.choices(list(WINDOW_WEIGHTS), weights=list(WINDOW_WEIGHTS.values()))[0]
    size = min(size, len(sentences))
    first = max(0, min(centre - rng.randrange(size), len(sentences) - size))
    return first, sentences[first : first + size]


def sample_source(source: Source, documents: list[Document], cap: int) -> list[tuple[Candidate, str]]:
    """Half random passages, half targeted by cue words, at most ``cap`` per document."""
    rng = random.Random(f"{SEED}:{source.name}")
    split = {}
    slots: list[tuple[Document, int]] = []
    for doc in documents:
        for p, paragraph in enumerate(doc.paragraphs):
            sentences = [s.text for s in split_sentences(paragraph)]
            if sentences:
                split[(doc.key, p)] = sentences
                slots.extend((doc, p) for _ in sentences)  # weight paragraphs by their sentences
    taken: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    chosen: list[tuple[Candidate, str]] = []
    texts: set[str] = set()

    def take(doc: Document, p: int, centre: int, how: str) -> bool:
        sentences = split[(doc.key, p)]
        first, window = _window(sentences, centre, rng)
        candidate = Candidate(doc, p, first, window)
        last = first + len(window)
        if len(taken[doc.key]) >= cap or candidate.text in texts or not _usable(candidate.text):
            return False
        if any(q == p and first < b and a < last for q, a, b in taken[doc.key]):
            return False
        taken[doc.key].append((p, first, last))
        texts.add(candidate.text)
        chosen.append((candidate, how))
        return True

    random_quota = source.share // 2
    order = list(range(len(slots)))
    rng.shuffle(order)
    for index in order:
        if sum(how == "random" for _, how in chosen) >= random_quota:
            break
        doc, p = slots[index]
        take(doc, p, rng.randrange(len(split[(doc.key, p)])), "random")

    targeted_quota = source.share - random_quota
    remaining = {}
    for label, share in source.target_shares:
        pattern = re.compile(TARGET_CUES[label], re.IGNORECASE)
        hits = [
            (doc, p, s)
            for doc in documents
            for p in range(len(doc.paragraphs))
            for s, sentence in enumerate(split.get((doc.key, p), []))
            if pattern.search(sentence) and doc.speaker(p) != "journalist"  # a question performs no act
        ]
        rng.shuffle(hits)
        quota, got = round(targeted_quota * share), 0
        while hits and got < quota:
            got += take(*hits.pop(), f"targeted:{label}")
        remaining[label] = hits
    # A label whose cues ran out leaves its quota to the others, in the order of the shares.
    while len(chosen) < source.share and any(remaining.values()):
        for label, hits in remaining.items():
            if hits and len(chosen) < source.share:
                take(*hits.pop(), f"targeted:{label}")
    return chosen


# Whole documents (or a section of one) are labelled sentence by sentence for
# `communique evaluate --by-sentence`. They come from documents that gave no
# passage, so no sentence of theirs was trained on.
DOCUMENTS_PER_SOURCE = {"state-dept": 20, "ungd": 15, "kremlin": 10, "presidents-2022": 7}
MAX_DOCUMENT_SENTENCES = 30
MIN_DOCUMENT_SENTENCES = 5


def pick_documents(source: Source, documents: list[Document], sampled: set[str]) -> list[dict]:
    """Documents untouched by the passage sample, each whole or cut to its richest section."""
    rng = random.Random(f"{SEED}:{source.name}:documents")
    any_cue = re.compile("|".join(f"(?:{c})" for c in TARGET_CUES.values()), re.IGNORECASE)
    pool = [d for d in documents if d.key not in sampled]
    rng.shuffle(pool)
    picked = []
    for doc in pool:
        if len(picked) >= DOCUMENTS_PER_SOURCE.get(source.name, 0):
            break
        paragraphs = doc.marked or doc.paragraphs
        sentences = [split_sentences(p) for p in paragraphs]
        best = None  # (cue sentences, first, last) of the richest run of whole paragraphs
        for first in range(len(paragraphs)):
            count = hits = 0
            for last in range(first, len(paragraphs)):
                count += len(sentences[last])
                if count > MAX_DOCUMENT_SENTENCES:
                    break
                hits += sum(bool(any_cue.search(x.text)) for x in sentences[last])
                if count >= MIN_DOCUMENT_SENTENCES and (best is None or hits > best[0]):
                    best = (hits, first, last)
        if best is None or best[0] < 2:
            continue
        _, first, last = best
        whole = first == 0 and last == len(paragraphs) - 1
        text = "\n\n".join(paragraphs[first : last + 1]).replace("\ufeff", "")
        if not all(_usable(p) or len(p) < MIN_CHARS for p in paragraphs[first : last + 1]):
            continue
        picked.append(
            {
                "id": f"doc-{doc.key.replace(':', '-')}",
                "text": text,
                "origin": "real",
                "document": doc.key,
                **doc.provenance,
                "license": source.license,
                "section": "whole" if whole else f"paragraphs {first + 1}-{last + 1} of {len(paragraphs)}",
            }
        )
    return picked


def _row(candidate: Candidate, source: Source, picked: str) -> dict:
    return {
        "id": candidate.id,
        # A byte-order mark left inside some speeches is dropped here, after sampling, which it must not change.
        "text": candidate.text.replace("\ufeff", ""),
        "origin": "real",
        "document": candidate.document.key,
        **candidate.document.provenance,
        "speaker": candidate.document.speaker(candidate.paragraph),
        "license": source.license,
        "sampling": picked,
    }


def _supplement(source: Source, documents: list[Document], wanted: list[dict]) -> list[tuple[Candidate, str]]:
    """The supplement's passages of this source, cut again from their documents at the recorded positions."""
    by_key = {d.key: d for d in documents}
    found = []
    for item in wanted:
        doc = by_key[item["document"]]
        sentences = [x.text for x in split_sentences(doc.paragraphs[item["paragraph"]])]
        candidate = Candidate(
            doc, item["paragraph"], item["first"], sentences[item["first"] : item["first"] + item["size"]]
        )
        if candidate.id != item["id"]:
            raise SystemExit(f"supplement passage {item['id']} no longer cuts the same way (got {candidate.id})")
        found.append((candidate, item["sampling"]))
    return found


def extract(git_dirs: dict[str, Path], output: Path, cap: int) -> None:
    rows, document_rows = [], []
    supplement = defaultdict(list)
    if SUPPLEMENT.exists():
        for line in SUPPLEMENT.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            supplement[item["document"].split(":")[0]].append(item)
    for name, git_dir in sorted(git_dirs.items()):
        source, reader = SOURCES[name]
        documents = [d for d in reader(source, _git_dir(git_dir)) if d.paragraphs]
        sample = sample_source(source, documents, cap)
        # Documents for sentence-by-sentence labels come from those the first sample left untouched;
        # the supplement was drawn from a pool that already excluded them.
        whole = pick_documents(source, documents, {c.document.key for c, _ in sample})
        prefixes = {d.key.split(":")[0] for d in documents}
        sample += _supplement(source, documents, [i for p in sorted(prefixes) for i in supplement.get(p, [])])
        how = Counter(h.split(":")[0] for _, h in sample)
        document_rows.extend(whole)
        print(
            f"{name}: {len(documents)} documents, {len(sample)} passages ({dict(how)}), "
            f"{len(whole)} documents to label sentence by sentence",
            file=sys.stderr,
        )
        rows += [_row(candidate, source, picked) for candidate, picked in sample]
    rows.sort(key=lambda r: r["id"])
    output.parent.mkdir(parents=True, exist_ok=True)
    _write_jsonl(output, rows)
    documents_output = output.with_name(DOCUMENT_TEXTS.name)
    document_rows.sort(key=lambda r: r["id"])
    _write_jsonl(documents_output, document_rows)
    print(
        f"wrote {len(rows)} passages to {output}, {len(document_rows)} documents to {documents_output}", file=sys.stderr
    )


REMOVED = HERE / "annotation" / "real" / "removed.jsonl"
DOCUMENT_LABELS = HERE / "annotation" / "real" / "document_labels.jsonl"
DOCUMENTS = HERE / "documents.jsonl"
# Fields of a corpus row, in the order they are written.
ROW_FIELDS = (
    "id",
    "text",
    "label",
    "acts",
    "origin",
    "event",
    "document",
    "speaker",
    "date",
    "title",
    "topic",
    "register",
    "difficulty",
    "source",
    "url",
    "license",
    "sampling",
)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _ordered(row: dict) -> dict:
    return {k: row[k] for k in ROW_FIELDS if k in row}


def _round(row: dict) -> int:
    """When a real passage was drawn, as the number its sampling tag ends with: 3 to 5 for the later
    rounds, 2 for the first supplement's second denial draw, and 0 for every passage whose tag carries
    no number (the first sample and the rest of the first supplement). Of two near-duplicates the
    passage drawn later goes (drawn together, the later in the file), so a new round never takes out a
    passage already in the corpus or in the held-out split."""
    tail = row.get("sampling", "").rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _near_duplicates_to_drop(rows: list[dict], removed: list[dict]) -> set[int]:
    """Positions of the rows that go as near-duplicates, each recorded in ``removed`` with its reason.

    A written row always stays; of two real rows the later round's goes (see ``_round``)."""
    from communique.corpus.checks import near_duplicates

    drop = set()
    for i, j, similarity in near_duplicates([r["text"] for r in rows]):
        real_pair = [k for k in (i, j) if rows[k]["origin"] == "real"]
        if not real_pair or i in drop or j in drop:
            continue
        later = max(real_pair, key=lambda k: (_round(rows[k]), k))
        drop.add(later)
        other = rows[i if later == j else j]["id"]
        removed.append({"id": rows[later]["id"], "reason": f"near-duplicate of {other} (cosine {similarity:.2f})"})
    return drop


def merge(written_acts: Path) -> None:
    """Written rows with their acts, then the labelled real passages; near-duplicates and unusable passages out."""
    written = [r for r in _jsonl(STATEMENTS) if r.get("origin") != "real"]
    decided = {r["id"]: r for r in _jsonl(written_acts)} if written_acts.exists() else {}
    for row in written:
        row["origin"] = "written"
        if row["id"] in decided:
            row["label"], row["acts"] = decided[row["id"]]["label"], decided[row["id"]]["acts"]
    labels = {r["id"]: r for r in _jsonl(LABELS)}
    real, removed = [], []
    for passage in _jsonl(PASSAGES):
        label = labels.get(passage["id"])
        if label is None:
            raise SystemExit(f"{LABELS}: passage {passage['id']} has no label; label it or drop it from the sample")
        if label.get("unusable"):
            removed.append({"id": passage["id"], "reason": "unusable: " + label.get("note", "")})
            continue
        real.append(passage | {"label": label["label"], "acts": label["acts"]})
    rows = written + real
    drop = _near_duplicates_to_drop(rows, removed)
    kept = [_ordered(r) for k, r in enumerate(rows) if k not in drop]
    _write_jsonl(STATEMENTS, kept)
    _write_jsonl(REMOVED, removed)
    print(
        f"{STATEMENTS}: {len(written)} written and {len(real) - len(drop)} real rows; {len(removed)} removed",
        file=sys.stderr,
    )
    if DOCUMENT_LABELS.exists():
        sentences = {r["id"]: r["sentences"] for r in _jsonl(DOCUMENT_LABELS)}
        documents = [d | {"sentences": sentences[d["id"]]} for d in _jsonl(DOCUMENT_TEXTS) if d["id"] in sentences]
        _write_jsonl(DOCUMENTS, documents)
        print(f"{DOCUMENTS}: {len(documents)} documents labelled sentence by sentence", file=sys.stderr)


def pool(git_dirs: dict[str, Path], output: Path) -> None:
    """Every paragraph of the documents the sample left untouched, as one window each: the pool that
    ``communique corpus sample`` chose the supplement from."""
    used = {json.loads(line)["document"] for path in (PASSAGES, DOCUMENT_TEXTS) for line in path.open(encoding="utf-8")}
    count = 0
    with open(output, "w", encoding="utf-8") as out:
        for name, git_dir in sorted(git_dirs.items()):
            source, reader = SOURCES[name]
            for doc in reader(source, _git_dir(git_dir)):
                if doc.key in used:
                    continue
                for p, paragraph in enumerate(doc.paragraphs):
                    if doc.speaker(p) == "journalist":
                        continue
                    sentences = [x.text for x in split_sentences(paragraph)]
                    if not sentences:
                        continue
                    rng = random.Random(f"{SEED}:pool:{doc.key}:{p}")
                    first, window = _window(sentences, rng.randrange(len(sentences)), rng)
                    candidate = Candidate(doc, p, first, window)
                    if not _usable(candidate.text):
                        continue
                    row = _row(candidate, source, "pool") | {"paragraph": p, "first": first, "size": len(window)}
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                    count += 1
    print(f"wrote {count} pool passages to {output}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("extract", help="cut and sample passages from the fetched sources")
    run.add_argument("--source", action="append", default=[], metavar="NAME=GIT_DIR", help="a source and its clone")
    run.add_argument("--per-document", type=int, default=4, help="most passages taken from one document")
    run.add_argument("--output", type=Path, default=PASSAGES)
    candidates = commands.add_parser("pool", help="write every untouched paragraph as a candidate passage")
    candidates.add_argument("--source", action="append", default=[], metavar="NAME=GIT_DIR")
    candidates.add_argument("--output", type=Path, required=True)
    merging = commands.add_parser("merge", help="join passages and labels into statements.jsonl and documents.jsonl")
    merging.add_argument("--written", type=Path, default=HERE / "annotation" / "written" / "acts.jsonl")
    args = parser.parse_args()
    if args.command == "merge":
        merge(args.written)
        return
    git_dirs = {}
    for item in args.source:
        name, _, path = item.partition("=")
        if name not in SOURCES:
            parser.error(f"unknown source {name!r}; known: {', '.join(SOURCES)}")
        git_dirs[name] = Path(path)
    if not git_dirs:
        parser.error("give at least one --source NAME=GIT_DIR")
    if args.command == "extract":
        extract(git_dirs, args.output, args.per_document)
    else:
        pool(git_dirs, args.output)


if __name__ == "__main__":
    main()
