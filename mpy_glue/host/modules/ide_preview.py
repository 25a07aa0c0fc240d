# The IDE's side of the debug link, on a PC. On the board the IDE reads the newest JPEG
# of the IDE frame buffer over USB (frame size, then frame dump). Here a background
# thread serves the same frame buffer on loopback:
#   - HTTP: "/" a page showing the live picture, "/frame.jpg" the newest JPEG,
#     "/stream.mjpg" an MJPEG stream (multipart/x-mixed-replace);
#   - the OpenMV/CanMV USB debug protocol over TCP: 6-byte requests 0x30 <cmd> <len u32>,
#     FW_VERSION (0x80), FRAME_SIZE (0x81: width, height, size as 3 x u32 LE) and
#     FRAME_DUMP (0x82: the JPEG whose size FRAME_SIZE reported), ARCH_STR (0x83).
# Opt-in: start(http_port, debug_port), or CANMV_IDE_PREVIEW=http_port:debug_port for
# scripts that just call img.compress_for_ide().
import os
import select
import socket
import struct
import time
import _thread
import _vencoder

USBDBG_CMD = 0x30
USBDBG_FW_VERSION = 0x80
USBDBG_FRAME_SIZE = 0x81
USBDBG_FRAME_DUMP = 0x82
USBDBG_ARCH_STR = 0x83

ARCH = b"CanMV K230 (canmv-vencoder host simulator)"

PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>CanMV IDE frame buffer</title>
<style>body{margin:0;background:#222;color:#ddd;font:14px sans-serif}img{display:block}</style>
</head><body>
<img id="frame" src="/frame.jpg" alt="IDE frame buffer">
<div id="info">waiting for frames</div>
<script>
let n = 0;
const img = document.getElementById("frame");
img.onload = () => { document.getElementById("info").textContent = "frame " + (++n); };
setInterval(() => { img.src = "/frame.jpg?t=" + Date.now(); }, 100);
</script>
</body></html>
"""

_running = False


def _frame():
    # The newest (seq, width, height, jpeg), or None; the encoder may be busy in the
    # other thread for a moment.
    for _ in range(50):
        try:
            return _vencoder.ide_frame()
        except OSError:
            time.sleep_ms(2)
    return None


def _listen(host, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(socket.getaddrinfo(host, port)[0][-1])
    s.listen(4)
    return s


def _send_all(conn, data):
    view = memoryview(data)
    while view:
        n = conn.write(view)
        if n is None:
            time.sleep_ms(1)
            continue
        view = view[n:]


def _http(conn):
    request = b""
    while b"\r\n\r\n" not in request and len(request) < 4096:
        chunk = conn.recv(1024)
        if not chunk:
            return
        request += chunk
    path = request.split(b" ", 2)[1] if request.count(b" ") >= 2 else b"/"
    path = path.split(b"?", 1)[0]
    if path == b"/":
        _send_all(conn, b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(PAGE))
        _send_all(conn, PAGE)
    elif path == b"/frame.jpg":
        frame = _frame()
        if frame is None:
            _send_all(conn, b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
            return
        jpeg = frame[3]
        _send_all(conn, b"HTTP/1.0 200 OK\r\nContent-Type: image/jpeg\r\nCache-Control: no-store\r\n"
                        b"Content-Length: %d\r\n\r\n" % len(jpeg))
        _send_all(conn, jpeg)
    elif path == b"/stream.mjpg":
        _send_all(conn, b"HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=frame\r\n\r\n")
        last = 0
        while _running:
            frame = _frame()
            if frame is not None and frame[0] != last:
                last = frame[0]
                _send_all(conn, b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(frame[3]))
                _send_all(conn, frame[3])
                _send_all(conn, b"\r\n")
            time.sleep_ms(20)
    else:
        _send_all(conn, b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")


def _recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _debug(conn):
    pending = b""  # the JPEG whose size the last FRAME_SIZE reported
    while _running:
        request = _recv_exact(conn, 6)
        if request is None or request[0] != USBDBG_CMD:
            return
        cmd = request[1]
        length = struct.unpack("<I", request[2:6])[0]
        if cmd == USBDBG_FW_VERSION:
            _send_all(conn, struct.pack("<III", 2, 7, 0))
        elif cmd == USBDBG_FRAME_SIZE:
            frame = _frame()
            if frame is None:
                pending = b""
                _send_all(conn, struct.pack("<III", 0, 0, 0))
            else:
                pending = frame[3]
                _send_all(conn, struct.pack("<III", frame[1], frame[2], len(pending)))
        elif cmd == USBDBG_FRAME_DUMP:
            data = pending[:length]
            _send_all(conn, data + bytes(length - len(data)))
            pending = b""
        elif cmd == USBDBG_ARCH_STR:
            _send_all(conn, (ARCH + bytes(64))[:64])
        elif cmd & 0x80:
            # An unknown request with a device-to-host phase: answer zeros of its length.
            _send_all(conn, bytes(length))


def _handle(conn, handler):
    try:
        handler(conn)
    except OSError:
        pass  # the client went away
    finally:
        conn.close()


def _serve(listener, handler):
    # A thread per connection: MJPEG streams and debug links are long-lived.
    while _running:
        conn, _ = listener.accept()
        _thread.start_new_thread(_handle, (conn, handler))


def start(http_port, debug_port, host="127.0.0.1"):
    global _running
    if _running:
        return
    http = _listen(host, http_port)
    debug = _listen(host, debug_port)
    _running = True
    _thread.start_new_thread(_serve, (http, _http))
    _thread.start_new_thread(_serve, (debug, _debug))


def autostart():
    if _running:
        return
    spec = os.getenv("CANMV_IDE_PREVIEW")
    if spec:
        http_port, debug_port = spec.split(":")
        start(int(http_port), int(debug_port))
