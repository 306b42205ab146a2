"""The Flask application factory (served by gunicorn: `flask_impl.app:create_app()`): wiring only."""

from __future__ import annotations

from flask import Flask

from core.runtime import build_runtime
from core.settings import Settings, get_settings
from flask_impl import openapi, tracing
from flask_impl.deps import EXTENSION_KEY
from flask_impl.errors import register_error_handlers
from flask_impl.metrics import add_metrics_route, operations
from flask_impl.middleware import RequestContextMiddleware
from flask_impl.routes import auth, orders, products, service, users
from flask_impl.routing import IdConverter


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    app = Flask(__name__)
    app.url_map.converters["id"] = IdConverter
    app.url_map.strict_slashes = True
    runtime = app.extensions[EXTENSION_KEY] = build_runtime(settings)

    register_error_handlers(app)
    for blueprint in (service.bp, auth.bp, users.bp, products.bp, orders.bp, openapi.bp):
        app.register_blueprint(blueprint)
    if runtime.metrics is not None:
        add_metrics_route(app, runtime.metrics)
    app.wsgi_app = RequestContextMiddleware(  # type: ignore[method-assign]
        app.wsgi_app,
        app.url_map,
        settings.max_body_bytes,
        settings.sql_count_header,
        runtime.metrics,
        operations(app),
    )
    if runtime.tracer_provider is not None:
        tracing.instrument(app, runtime.tracer_provider)
    return app
