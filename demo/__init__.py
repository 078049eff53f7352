"""The bundled demo LMS: two LTI 1.3 platforms that launch Tandem as Brightspace and Moodle do.

Nothing in Tandem imports this package (import-linter enforces it); tests and ``make demo``
do. Entry points: :func:`demo.app.create_demo_app` and ``python -m demo``.
"""
