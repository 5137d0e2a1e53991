"""Executed notebooks → self-contained HTML briefing pages (通报页面, 离线可用).

A briefing page shows the outputs of an executed per-county notebook — markdown text, pandas tables,
matplotlib PNG charts — and nothing else: no code, no ``In [ ]:`` prompts, and no reference to any
other host, so the file opens from a USB stick or an intranet share with no network and prints on A4.

The page is made by nbconvert's ``HTMLExporter`` with the ``junyun_offline`` template shipped in
``junyun_lib/report/templates/``: nbconvert's ``lab`` template with the blocks that load RequireJS, MathJax,
mermaid and the widget renderer from CDNs emptied, ``<html lang="zh-CN">``, and JupyterLab's inlined
stylesheet (~270 KB, written for the editor) replaced by ``junyun.css`` (~8 KB: Chinese font stack,
tables, images, A4 print rules).  A page without charts is about 10 KB; each matplotlib PNG adds its
size × 4/3 (base64), typically 10–130 KB.

``external_references(html)`` lists every address in a page that points to another host; a page written
by this module has none unless a notebook output itself carries one (e.g. an ``<a href>`` in markdown or
an HTML output that loads a script).  ``script_references(html)`` lists the addresses that run script
(``javascript:``, ``vbscript:``, ``data:text/html`` …), and ``dangerous_references(html)`` both — check a page
with it before publishing: a briefing page has none.
"""
from __future__ import annotations

import copy
import functools
import re
import warnings
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

from ..synthetic import SYNTHETIC_LABEL, SYNTHETIC_MARK
from .labels import css_string

TEMPLATE_NAME = "junyun_offline"


def template_basedir() -> Path:
    """The folder holding the ``junyun_offline`` template (``junyun_lib/report/templates``)."""
    base = resources.files("junyun_lib.report") / "templates"
    path = Path(str(base))
    if not (path / TEMPLATE_NAME / "conf.json").is_file():  # e.g. a zipped install: not supported
        raise FileNotFoundError(f"nbconvert template {TEMPLATE_NAME!r} not found under {path}")
    return path


class BriefingExporter(HTMLExporter):
    """``HTMLExporter`` without its BeautifulSoup pass over the finished page.

    nbconvert 7 re-parses the whole page (charts included) to give images without alt text an English
    placeholder and input/output areas a ``tabindex``; the junyun_offline template writes Chinese alt text
    itself and a briefing has no code to focus, and the pass was half of the export time.  If nbconvert's
    internals differ from what this expects, the stock method runs instead.
    """

    def from_notebook_node(self, nb, resources=None, **kw):
        try:
            from nbconvert.exporters.templateexporter import TemplateExporter
            from nbconvert.filters.highlight import Highlight2HTML
            from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", self.filters.get("highlight_code",
                                                                    Highlight2HTML(pygments_lexer=lexer, parent=self)))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        except (ImportError, AttributeError, TypeError):  # another nbconvert: take its own path
            return super().from_notebook_node(nb, resources, **kw)
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


@functools.lru_cache(maxsize=1)
def exporter() -> HTMLExporter:
    """The configured exporter (one per process; do not reconfigure it — build your own instead)."""
    return BriefingExporter(
        template_name=TEMPLATE_NAME,
        # Only junyun's folder: nbconvert's default is the current directory, which would let a stray
        # ./lab or ./base folder replace the stock templates.  The stock ones are found via jupyter_path.
        extra_template_basedirs=[str(template_basedir())],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        # The lab template's conf.json adds the Pygments stylesheet for code cells; there are none.
        config=Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}}),
    )


def _read(nb_or_path) -> tuple[nbformat.NotebookNode, str | None]:
    if isinstance(nb_or_path, (str, Path)):
        path = Path(nb_or_path)
        return nbformat.read(path, as_version=4), path.stem
    if isinstance(nb_or_path, dict):
        return nbformat.from_dict(nb_or_path), None
    raise TypeError(f"expected a notebook or a path, got {type(nb_or_path).__name__}")


_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _first_heading(nb) -> str | None:
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            m = _H1.search(cell.get("source", ""))
            if m:
                return m.group(1)
    return None


def notebook_to_html(nb_or_path, title: str | None = None, running_label: str | None = None,
                     files: list | None = None) -> str:
    """The briefing page of a notebook (a ``NotebookNode``/dict or a path to an ``.ipynb``) as a string.

    ``title`` (the ``<title>`` of the page) defaults to the notebook's ``metadata.title``, then its first
    ``# heading``, then the file name.  ``running_label`` is printed in the top margin of every A4 page; by
    default the synthetic-data label when any output of the notebook shows it (a page of sample data says so
    on every printed sheet).  Page numbers are printed at the bottom (``junyun.css``).  ``files``, ``[(label,
    file)]``, are linked at the end of the page by name only (files beside it: the batch's Word copy and
    评估结果（Excel）).  The notebook passed in is not modified.
    """
    nb, stem = _read(nb_or_path)
    nb = copy.deepcopy(nb)
    page_title = title or nb.metadata.get("title") or _first_heading(nb) or stem or "junyun"
    nb.metadata["title"] = page_title
    if running_label is None and _shows(nb, SYNTHETIC_MARK):
        running_label = SYNTHETIC_LABEL
    resources = {"metadata": {"name": page_title}}
    if running_label:
        resources["junyun_running_label"] = css_string(running_label)
    if files:
        resources["junyun_files"] = [(str(label), Path(str(name)).name) for label, name in files]
    with warnings.catch_warnings():   # outputs meant for programs (the batch's index row) are not shown, by design
        warnings.filterwarnings("ignore", message="Your element with mimetype")
        body, _ = exporter().from_notebook_node(nb, resources=resources)
    return body


def _shows(nb, text: str) -> bool:
    """Whether any output of the notebook shows ``text``."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for value in output.get("data", {}).values():
                if text in (value if isinstance(value, str) else "".join(value) if isinstance(value, list) else ""):
                    return True
            if text in "".join(output.get("text", "")):
                return True
    return False


# --- external references ----------------------------------------------------------------------

# Attributes whose value is a URL the browser may load or navigate to.
_URL_ATTRS = {"src", "href", "xlink:href", "poster", "data", "action", "formaction", "background",
              "manifest", "longdesc", "ping"}
_SRCSET_ATTRS = {"srcset", "imagesrcset"}
_EXTERNAL = re.compile(r"^(?:https?:|ftp:|wss?:|[/\\]{2})", re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
# JavaScript module loads: import("…"), import … from "…", import "…" (what the mermaid block does).
_JS_IMPORT = re.compile(r"""\bimport(?:\s*\(\s*|\s+[\w*{}\s,$]+?\s+from\s*|\s*)(["'`])([^"'`]*)\1""")


def _is_external(url: str) -> bool:
    # Browsers drop leading/trailing C0 controls and spaces and any tab/newline inside a URL,
    # and read a backslash as a slash (\\host/x is //host/x).
    url = re.sub(r"^[\x00-\x20]+|[\x00-\x20]+$", "", re.sub(r"[\t\n\r]", "", url))
    return bool(_EXTERNAL.match(url))


def _css_urls(css: str) -> list[str]:
    css = _CSS_COMMENT.sub("", css)
    found = [next(g for g in m.groups() if g is not None) for m in _CSS_URL.finditer(css)]
    found += [m.group(1) if m.group(1) is not None else m.group(2) for m in _CSS_IMPORT.finditer(css)]
    return found


# Elements whose URL attributes load an image (an SVG image runs no script); CSS url(…) loads images too.
_IMAGE_TAGS = {"img", "image", "source", "feimage"}


class _RefCollector(HTMLParser):
    """Every URL of a page in document order, each with whether it is loaded as an image (``images``)."""

    def __init__(self, links: bool):
        super().__init__(convert_charrefs=True)
        self.links = links
        self.found: list[str] = []
        self.images: list[bool] = []
        self._in: str | None = None
        self._script_is_data = False

    def _add(self, urls, image: bool) -> None:
        urls = list(urls)
        self.found += urls
        self.images += [image] * len(urls)

    def handle_startendtag(self, tag, attrs):  # <img …/>, <link …/>: attributes only, no content
        image = tag.lower() in _IMAGE_TAGS
        for name, value in attrs:
            if value is None:
                continue
            name = name.lower()
            if name in _URL_ATTRS:
                if tag == "a" and name == "href" and not self.links:
                    continue
                self._add([value], image)
            elif name in _SRCSET_ATTRS:
                self._add([part.strip().split()[0] for part in value.split(",") if part.strip()], image)
            elif name == "style":
                self._add(_css_urls(value), True)
        if tag == "meta":  # <meta http-equiv="refresh" content="0; url=https://…">
            a = {k.lower(): v or "" for k, v in attrs}
            m = re.search(r"url\s*=\s*['\"]?([^'\";]+)", a.get("content", ""), re.IGNORECASE)
            if a.get("http-equiv", "").lower() == "refresh" and m:
                self._add([m.group(1)], False)

    def handle_starttag(self, tag, attrs):
        self.handle_startendtag(tag, attrs)
        if tag in ("style", "script"):
            self._in = tag
            kind = (dict(attrs).get("type") or "").lower()
            self._script_is_data = tag == "script" and kind not in ("", "module", "text/javascript",
                                                                    "application/javascript")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self._add(_css_urls(data), True)
        elif self._in == "script" and not self._script_is_data:
            self._add([m.group(2) for m in _JS_IMPORT.finditer(data)], False)


def external_references(html: str, *, links: bool = True) -> list[str]:
    """Every address in ``html`` that points to another host, in document order (duplicates kept).

    Looks at URL attributes (``src``, ``href``, ``srcset``, ``poster``, ``action``…), CSS ``url(…)`` and
    ``@import`` in ``<style>`` elements and ``style`` attributes (CSS comments ignored), and ES module
    imports in scripts.  External means ``http:``, ``https:``, ``ftp:``, ``ws(s):`` or protocol-relative
    ``//``; ``data:`` URIs, ``#anchors`` and relative paths are not reported.  ``links=False`` leaves
    out ``<a href>`` (a link loads nothing until it is clicked).
    """
    parser = _collect(html, links)
    return [url.strip() for url in parser.found if _is_external(url)]


def _collect(html: str, links: bool = True) -> _RefCollector:
    parser = _RefCollector(links)
    parser.feed(html)
    parser.close()
    return parser


# Schemes that run script where they are loaded or followed.
_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "livescript:")
# data: media types a browser renders as a document or runs; image/svg+xml only outside an image context.
_ACTIVE_DATA = ("text/html", "application/xhtml+xml", "text/xml", "application/xml", "text/xsl",
                "text/javascript", "application/javascript", "text/ecmascript", "application/ecmascript",
                "text/vbscript", "application/x-javascript", "multipart/")


def _clean_url(url: str) -> str:
    """The URL as a browser reads its scheme: C0 controls and spaces at the ends and tabs/newlines inside
    removed, lower case (entities are already decoded by the parser)."""
    return re.sub(r"^[\x00-\x20]+|[\x00-\x20]+$", "", re.sub(r"[\t\n\r]", "", url)).lower()


def _runs_script(url: str, image: bool) -> bool:
    url = _clean_url(url)
    if url.startswith(_SCRIPT_SCHEMES):
        return True
    if not url.startswith("data:"):
        return False
    media = url[5:].split(",", 1)[0].split(";", 1)[0].strip() or "text/plain"
    return media.startswith(_ACTIVE_DATA) or (media == "image/svg+xml" and not image)


def script_references(html: str) -> list[str]:
    """Every address in ``html`` that runs script when loaded or followed, in document order: ``javascript:``,
    ``vbscript:``, and ``data:`` URLs of an HTML, XML or script type (``data:text/html,…``), or SVG outside an
    image (``<a href>``, ``<iframe src>``, ``<object data>``).  Looks where :func:`external_references` looks,
    ``<a href>`` always included; entities and the characters browsers ignore in a URL are undone first.

    >>> script_references('<a href="&#106;avascript:alert(1)">x</a><img src="data:image/png;base64,AA">')
    ['javascript:alert(1)']
    """
    parser = _collect(html)
    return [url.strip() for url, image in zip(parser.found, parser.images) if _runs_script(url, image)]


def dangerous_references(html: str) -> list[str]:
    """What a self-contained, script-free page must not have: every address in ``html`` that points to
    another host (:func:`external_references`) or runs script (:func:`script_references`), in document
    order.  A briefing page written by this module has none.

    >>> dangerous_references('<a href="https://x.example/">x</a><a href=" javascript:x">y</a><a href="#t">z</a>')
    ['https://x.example/', 'javascript:x']
    """
    parser = _collect(html)
    return [url.strip() for url, image in zip(parser.found, parser.images)
            if _is_external(url) or _runs_script(url, image)]
