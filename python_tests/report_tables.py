"""The tables of a rendered report page, for the tests that read it (test_report, test_variants)."""

from __future__ import annotations

from html.parser import HTMLParser


class Tables(HTMLParser):
    """Rows of every table[id]: list of cells (text, classes); header texts per table."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[tuple[str, str]]]] = {}
        self.headers: dict[str, list[str]] = {}
        self._th = None
        self.images: list[str] = []
        self.links: list[str] = []
        self.scripts = 0
        self._table = None
        self._in_body = False
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "id" in attrs:
            self._table = attrs["id"]
            self.tables[self._table] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._table and self._in_body:
            self.tables[self._table].append([])
        elif tag == "td" and self._table and self._in_body:
            self._cell = ["", attrs.get("class") or ""]
        elif tag == "th" and self._table and not self._in_body:
            self._th = ""
        elif tag == "img":
            self.images.append(attrs["src"])
        elif tag in ("a", "link") and "href" in attrs:
            self.links.append(attrs["href"])
        elif tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag):
        if tag == "th" and self._th is not None:
            self.headers.setdefault(self._table, []).append(self._th.strip())
            self._th = None
        if tag == "td" and self._cell is not None:
            self.tables[self._table][-1].append((self._cell[0].strip(), self._cell[1]))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data
        if self._th is not None:
            self._th += data


def parse_tables(page: str) -> Tables:
    """``page`` fed to a :class:`Tables`."""
    tables = Tables()
    tables.feed(page)
    return tables
