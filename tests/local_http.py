"""A real HTTP server on 127.0.0.1 (never any other address) serving what a test puts in ``routes``,
answering conditional requests, and recording every request it receives."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: str = ""
    last_modified: str = ""


@dataclass
class LocalServer:
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str], int]] = field(default_factory=list)  # path, headers, status
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> list[tuple[dict[str, str], int]]:
        return [(headers, status) for p, headers, status in self.requests if p == path]


def start_server() -> tuple[LocalServer, ThreadingHTTPServer]:
    state = LocalServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            route = state.routes.get(self.path)
            headers = {k: v for k, v in self.headers.items()}
            if route is None:
                status, body, extra = 404, b"not found", {}
            elif route.etag and self.headers.get("If-None-Match") == route.etag or (
                    route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified):
                status, body, extra = 304, b"", {}
            else:
                status, body = route.status, route.body
                extra = {"Content-Type": route.content_type}
                if route.etag:
                    extra["ETag"] = route.etag
                if route.last_modified:
                    extra["Last-Modified"] = route.last_modified
            state.requests.append((self.path, headers, status))
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:  # keep pytest output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server


def rss(items: list[dict[str, str]], title: str = "Test feed") -> bytes:
    """An RSS 2.0 document; an item's "content" goes into content:encoded (full text)."""
    from xml.sax.saxutils import escape

    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>',
             f"<title>{escape(title)}</title><link>http://127.0.0.1/</link><description>t</description>"]
    for item in items:
        parts.append("<item>")
        parts.append(f"<title>{escape(item.get('title', ''))}</title><link>{escape(item['link'])}</link>")
        if "pubDate" in item:
            parts.append(f"<pubDate>{item['pubDate']}</pubDate>")
        if "summary" in item:
            parts.append(f"<description>{escape(item['summary'])}</description>")
        if "content" in item:
            parts.append(f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")
