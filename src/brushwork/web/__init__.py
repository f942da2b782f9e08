"""The web page and HTTP API (``brushwork serve``; the page needs the ``web`` extra).

Layers, one way: :mod:`~brushwork.web.jobs` (a bounded queue), :mod:`~brushwork.web.handlers`
(checks and the work, over the pipelines), then the two front ends over them,
:mod:`~brushwork.web.api` (FastAPI) and :mod:`~brushwork.web.ui` (Gradio), put together by
:mod:`~brushwork.web.server`.
"""
