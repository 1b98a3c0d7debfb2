from setuptools import find_packages, setup

DAGSTER = [
    "dagster==1.13.27",
    "dagster-webserver==1.13.27",
    "dagster-postgres==0.29.27",
    "dagster-aws==0.29.27",
    "dagster-celery[redis]==0.29.27",
]

setup(
    name="video-assets",
    version="0.1.0",
    description="Text-to-video production pipeline built as Dagster software-defined assets",
    python_requires=">=3.11",
    packages=find_packages(exclude=["tests", "tests.*"]),
    include_package_data=True,
    package_data={
        "video_assets": ["prompts/*.txt", "db/migrations/*.py", "db/migrations/*.mako", "db/migrations/versions/*.py"]
    },
    install_requires=[
        *DAGSTER,
        "sqlalchemy>=2.0,<2.2",
        # Editable exports: .otio and FCP7 XML (Premiere, Resolve), and Jianying drafts.
        "opentimelineio==0.18.1",
        "otio-fcp-adapter==1.0.0",
        "pyJianYingDraft==0.3.1",
        "psycopg2-binary>=2.9",
        "alembic>=1.13",
        "pydantic>=2.7",
        "pydantic-settings>=2.7",
        "boto3>=1.34",
        "requests>=2.31",
        "filetype>=1.2",
        "pillow>=10.0",
        # Character maps of the installed fonts: which font draws a watermark or a subtitle (render/glyphs.py).
        "fonttools>=4.50",
        "numpy>=1.26",
        "opencv-python-headless>=4.9",
        "ffmpeg-python==0.2.0",
        "openai>=1.30",
        # 4.x: its inline HTML and link rules run in linear time on unclosed constructs.
        "markdown-it-py>=4.0",
        "jieba>=0.42.1",
        "pypinyin>=0.51",
        "feedparser>=6.0.11",
        "markdownify>=0.13",
        "rich>=13.7",
        # The HTTP API (video_assets/api): FastAPI on uvicorn.
        "fastapi==0.163.2",
        "uvicorn==0.55.0",
        # Webhooks signed as Standard Webhooks (video_assets/webhooks).
        "standardwebhooks==1.1.0",
        # MCP over Streamable HTTP at /mcp (video_assets/api/mcp_server.py): the 2.x server and client API.
        "mcp==2.3.0",
        "jsonschema>=4.20",
        # Observability: every step log line as JSON (dagster.yaml python_logs), traces per request over OTLP/HTTP.
        "python-json-logger==4.2.0",
        "opentelemetry-sdk==1.45.2",
        "opentelemetry-exporter-otlp-proto-http==1.45.2",
        # `video-assets exporter`: Prometheus metrics of every stage, the queue and the daemons.
        "prometheus-client==0.26.0",
    ],
    extras_require={
        "dev": [
            "pytest>=8",
            "pytest-xdist>=3.5",
            "hypothesis>=6.100",
            "moto[server]>=5.0",
            "ruff>=0.5",
            "scikit-image>=0.22",
            "selenium>=4",
            "jsonschema>=4",
            # Fuzzes the live API against its /openapi.json (tests/api/test_openapi_conformance.py).
            "schemathesis==4.32.5",
            # Generates and validates the Grafana dashboard in docker/grafana/ (video_assets/metrics/dashboard.py).
            "grafana-foundation-sdk==1769699998!10.1.0",
        ],
        "edge": ["edge-tts>=7.0"],
    },
    entry_points={"console_scripts": ["video-assets=video_assets.cli:main"]},
)
