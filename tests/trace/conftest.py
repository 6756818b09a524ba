import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _servers import mosquitto, postgres_server, store_url  # noqa: E402, F401
