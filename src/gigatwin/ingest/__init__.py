"""Line data ingestion: MQTT, OPC UA and files, every record validated with the spec.

See docs/linedata.md for the topic namespace, payloads and guarantees.
"""

from gigatwin.ingest.record_writer import Counts, Delivery, RecordWriter, content_id, decode

__all__ = ["Counts", "Delivery", "RecordWriter", "content_id", "decode"]
