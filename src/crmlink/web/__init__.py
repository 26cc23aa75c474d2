"""`crmlink web`: the web console. `create_app(settings)` in `crmlink.web.app`.

Server-rendered pages (FastAPI, Jinja2) over the same library as the CLI; a little htmx
(vendored in `static/`, 0BSD, see `static/htmx.LICENSE.txt`) for live parts; forms work
without JavaScript.
"""
