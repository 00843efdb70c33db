"""Media transports (ExternalMedia WebSocket, AudioSocket, RTP) and audio frame helpers."""
