"""Form Coach: real-time exercise form coaching from MediaPipe pose landmarks."""
__version__ = "0.1.0"
