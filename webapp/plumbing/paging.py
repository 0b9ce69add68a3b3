"""Lists a page at a time: ``?limit=&offset=`` on every list, pages and API alike."""
from __future__ import annotations

from flask import request, url_for

from workflows.policies.queries import Page


def requested_page(default_limit: int | None = None) -> Page:
    """The page the request asks for (InvalidInput, answered 422, names a bad value)."""
    page = Page.of(request.args.get("limit", default_limit), request.args.get("offset"))
    return page


def neighbours(page: Page, shown: int, total: int | None = None) -> dict:
    """Links to the previous and next page of the current view, when there are such pages."""
    args = {**request.view_args, **request.args.to_dict()}
    has_next = shown == page.limit if total is None else page.offset + shown < total
    previous = (url_for(request.endpoint, **{**args, "offset": max(page.offset - page.limit, 0)})
                if page.offset > 0 else None)
    following = url_for(request.endpoint, **{**args, "offset": page.offset + page.limit}) if has_next else None
    return {"previous": previous, "next": following, "first": page.offset + 1 if shown else 0,
            "last": page.offset + shown, "total": total}
