"""QR codes of the smartphone registration page (S1.2, S14 "QR"), drawn with `qrcode`.

PNG through pypng (pure Python, no Pillow); SVG written here from the module matrix so that it
can be inlined in an HTML page without an XML declaration or external references.
"""

from __future__ import annotations

import io

import qrcode  # type: ignore[import-untyped]
import qrcode.image.pure  # type: ignore[import-untyped]

#: Quiet zone in modules; the QR standard asks for 4.
BORDER = 4


def _code(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=BORDER)
    code.add_data(url)
    code.make(fit=True)
    return code


def matrix(url: str) -> list[list[bool]]:
    """The modules (True = dark), quiet zone included."""
    rows: list[list[bool]] = _code(url).get_matrix()
    return rows


def png(url: str, box_size: int = 10) -> bytes:
    """A PNG with `box_size` pixels per module."""
    code = _code(url)
    code.box_size = box_size
    image = code.make_image(image_factory=qrcode.image.pure.PyPNGImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def svg(url: str, size: str | None = None) -> str:
    """An SVG element (one path, one unit per module); `size` sets width and height (CSS)."""
    modules = matrix(url)
    n = len(modules)
    path = "".join(
        f"M{x},{y}h1v1h-1z" for y, row in enumerate(modules) for x, dark in enumerate(row) if dark
    )
    dimensions = f' width="{size}" height="{size}"' if size else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}"{dimensions} '
        f'shape-rendering="crispEdges" role="img">'
        f'<rect width="{n}" height="{n}" fill="#fff"/><path fill="#000" d="{path}"/></svg>'
    )
