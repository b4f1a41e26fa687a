"""Dereferenceable IRIs: every entity, event, claim, concept and ontology term answers HTTP GET.

The policy, as Wikidata's Special:EntityData does it (and as httpRange-14 asks for IRIs that
name things, not documents):

- The IRI of a thing, e.g. /person/michael-flynn, answers **303 See Other** to a document about
  it, chosen by the Accept header: /person/michael-flynn.html for browsers (and for */* or no
  Accept), .ttl, .nt, .jsonld or .rdf for RDF clients. The 303 varies on Accept.
- A document URL with a suffix (.html, .ttl, .nt, .jsonld, .rdf) always answers **200** with
  that format, whatever the Accept header says, with ETag, Last-Modified and 304.
- An IRI nothing is said about answers **404**: a page with suggestions for browsers, the JSON
  error shape for machine formats. An Accept header none of the formats matches gets 406.
- /ontology (and so every term BASE/ontology#Term) and the concept schemes /status/ and
  /precision/ answer the same way; /graph/NAME answers 303 to the endpoint's graph read.

Each document describes the IRI with the triples where it is the subject, those of its hash
sub-resources (a claim's #target and #quote), and those where it is the object: that, and the
HTML page's model, are kg.web.entity_page; this module is the HTTP policy.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from urllib.parse import quote

from flask import Blueprint, Response, redirect, render_template, request

from .. import vocab
from .entity_page import Page, is_described, is_iri, rdf_document, suggestions
from .entity_view import EntityPages
from .errors import api_error
from .source_reader import build_reader, source_text
from .http_common import accepted, best_offer, client_copy_is_current
from .page_cache import MAX_PAGES
from .protocol_formats import GRAPH_FORMATS, Format
from .state import current_state

bp = Blueprint("entities", __name__)

RDF_DOCS = {f.key: f for f in GRAPH_FORMATS if f.key in ("ttl", "nt", "jsonld", "rdf")}
SUFFIXES = ("html", *RDF_DOCS)
HTML_TYPES = ("text/html", "application/xhtml+xml")
HTML = Format("html", HTML_TYPES[0], aliases=HTML_TYPES[1:])
# Each format's media type, then its aliases; HTML first, so */* and no Accept get the page.
PREFERENCE = tuple((media_type, fmt) for fmt in (HTML, *RDF_DOCS.values())
                   for media_type in (fmt.media_type, *fmt.aliases))


# --------------------------------------------------------------------------- routes


@bp.get(f"/<any({','.join(vocab.ENTITY_FOLDERS)}):folder>/<name>")
def entity(folder: str, name: str):
    slug, dot, suffix = name.partition(".")
    if not slug:  # /person/.ttl names no entity (it would read as the folder and list all of it)
        return _not_found(current_state().config.base + f"{folder}/{name}", suffix if dot else None)
    return _dereference(f"{folder}/{slug}", suffix if dot else None)


@bp.get(f"/<any({','.join(vocab.SCHEME_FOLDERS)}):folder>/")
@bp.get(f"/<any({','.join(vocab.SCHEME_FOLDERS)}):folder>.<suffix>")
def scheme(folder: str, suffix: str | None = None):
    return _dereference(f"{folder}/", suffix, document=f"/{folder}")


@bp.get("/ontology")
@bp.get("/ontology.<suffix>")
def ontology(suffix: str | None = None):
    return _dereference("ontology", suffix)


@bp.get("/graph/<name>")
def named_graph(name: str):
    iri = current_state().config.base + f"graph/{name}"
    if not is_iri(iri) or not current_state().engine.has_graph(iri):
        return _not_found(iri, None)
    response = redirect(f"/sparql?graph={quote(iri, safe='')}", code=303)
    response.headers["Vary"] = "Accept"
    return response


def _dereference(path: str, suffix: str | None, document: str | None = None):
    """303 from the thing to a document (suffix None), or 200 with the document in that format."""
    iri = current_state().config.base + path
    if suffix is not None and suffix not in SUFFIXES:
        return _not_found(iri, suffix, f"No format {suffix!r}; the formats are {', '.join(SUFFIXES)}.")
    if not is_iri(iri) or not is_described(current_state().engine, iri):
        return _not_found(iri, suffix)
    if suffix is None:
        chosen = _negotiate()
        if chosen is None:
            offered = ", ".join([HTML_TYPES[0]] + [f.media_type for f in RDF_DOCS.values()])
            return api_error(406, "not_acceptable", f"No acceptable format; {iri} is available as: {offered}.")
        response = redirect(f"{document or '/' + path}.{chosen}", code=303)
        response.headers["Vary"] = "Accept"
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response
    return _document(iri, suffix, document or "/" + path)


def _negotiate() -> str | None:
    chosen = best_offer(accepted(request.headers.get("Accept")), PREFERENCE)
    return chosen.key if chosen else None


def _document(iri: str, suffix: str, doc_path: str) -> Response:
    state = current_state()
    dataset = state.dataset
    etag = f"{dataset.etag}-{zlib.crc32(iri.encode()):08x}-{suffix}"
    if client_copy_is_current(request.environ, etag, dataset.last_modified):
        response = Response(status=304)
    elif suffix == "html":
        response = Response(_html(iri), content_type="text/html; charset=utf-8")
    else:
        fmt = RDF_DOCS[suffix]
        response = Response(rdf_document(state.config, state.engine, iri, fmt), content_type=fmt.content_type)
    response.set_etag(etag)
    response.last_modified = dataset.last_modified
    response.headers["Cache-Control"] = "public, no-cache"
    alternates = [f'<{doc_path}.{key}>; rel="alternate"; type="{fmt.media_type}"' for key, fmt in RDF_DOCS.items()]
    response.headers["Link"] = ", ".join(alternates)
    return response


# (build hash, IRI) -> the page: the data never changes while serving. The most recent MAX_PAGES are
# kept (a crawler walking a million entities must not keep a million pages in each worker).
_rendered: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_rendered_lock = threading.Lock()
_views: dict[int, EntityPages] = {}


def _html(iri: str) -> bytes:
    key = (current_state().dataset.etag, iri)
    with _rendered_lock:
        page = _rendered.get(key)
        if page is not None:
            _rendered.move_to_end(key)
            return page
    page = _render(iri).encode("utf-8")
    with _rendered_lock:
        _rendered[key] = page
        if len(_rendered) > MAX_PAGES:
            _rendered.popitem(last=False)
    return page


def _render(iri: str) -> str:
    """The reading page (kg.web.entity_view) of an entity or event, the reader of a source document, or
    the generic description (claims, statuses, the ontology) for everything else."""
    state = current_state()
    entity_id = iri[len(state.config.base):] if iri.startswith(state.config.base) else None
    catalog = state.catalog
    entity = catalog.entities.get(entity_id) if catalog is not None and entity_id else None
    if entity is not None and "SourceDocument" in entity.all_types:
        text = source_text(state.engine, iri)
        if text is not None:
            return render_template("source_reader.html", reader=build_reader(catalog, entity_id, text))
    if entity is not None:
        if id(catalog) not in _views:  # built once: its indexes cover the whole catalog
            _views[id(catalog)] = EntityPages(catalog)
        views = _views[id(catalog)]
        media = {key: fmt.media_type for key, fmt in RDF_DOCS.items()}
        return render_template("entity_page.html", v=views.view(entity_id), doc_path="/" + entity_id,
                               formats=list(media.items()))
    page = Page(state.config, state.engine, iri)
    is_vocabulary = iri.endswith("/ontology") or iri.endswith("/")
    path = "/" + iri[len(page.config.base):].rstrip("/")
    return render_template(
        "entity.html", iri=iri, header=page.header(), doc_path=path, formats=list(RDF_DOCS),
        statements=page.statements(), claims=[] if is_vocabulary else page.claims(),
        events=[] if is_vocabulary else page.events(), incoming=[] if is_vocabulary else page.incoming(),
        terms=page.terms() if is_vocabulary else [],
    )


# --------------------------------------------------------------------------- 404


def _not_found(iri: str, suffix: str | None, message: str | None = None) -> Response:
    message = message or f"Nothing in this dataset is described by <{iri}>."
    wants_html = suffix == "html" or (suffix is None and _negotiate() in ("html", None))
    if not wants_html:
        return api_error(404, "not_found", message)
    state = current_state()
    similar = suggestions(state.config, state.engine, iri, _known_ids(state.catalog))
    response = Response(render_template("not_found.html", iri=iri, message=message, suggestions=similar),
                        status=404, content_type="text/html; charset=utf-8")
    return response


def _known_ids(catalog):
    """`existing(ids)` for 404 suggestions: the ids of entities, events and claims among `ids`, looked up
    in the pages' records (kg.catalog / kg.records), never a scan of them."""
    if catalog is None:
        return None
    return catalog.existing
