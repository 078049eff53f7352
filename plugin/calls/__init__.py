"""Team video calls: Jitsi links and tokens (jitsi.py, pure) and who attended (service.py)."""
