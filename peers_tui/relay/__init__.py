"""Groups across hosts: one relay per host, replicating signed records over NATS JetStream.

Optional (`pip install '.[relay]'` in the source directory): without it peers works on one host as before.
The relay never imports Textual; core never imports the relay (core stays transport-free).
"""
