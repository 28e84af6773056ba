"""Filling in admin forms as a browser would: start from what the page shows, change some fields, post."""

from typing import Any


def form_data(response: Any, **changes: Any) -> dict[str, Any]:
    """The values the admin form in `response` shows (bound or initial), with `changes` applied, ready to post."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = value
    data.update(changes)
    return data
