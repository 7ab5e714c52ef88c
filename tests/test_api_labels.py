"""GET /api/v1/items/<code>/label.png and .pdf: the label the web pages show, decoded back (read by a
signed-in admin: a station's device token reads no items, P23)."""

import io

import pypdfium2
import requests
import zxingcpp
from conftest import admin_reader
from PIL import Image


def test_label_png_and_pdf_decode_to_the_item_code(service, office):
    code = office.secret[0]
    headers = {"Cookie": f"custody_session={admin_reader(office)()}"}
    png = requests.get(f"{service.url}/api/v1/items/{code}/label.png", headers=headers, timeout=10)
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    assert [r.text for r in zxingcpp.read_barcodes(image.convert("L"))] == [code]
    pdf = requests.get(
        f"{service.url}/api/v1/items/{code}/label.pdf", headers=headers, params={"dpi": "203"}, timeout=10
    )
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    page = pypdfium2.PdfDocument(pdf.content)[0].render(scale=4).to_pil()
    assert [r.text for r in zxingcpp.read_barcodes(page.convert("L"))] == [code]


def test_label_errors_are_json(service, office):
    headers = {"Cookie": f"custody_session={admin_reader(office)()}"}
    code = office.secret[0]
    assert requests.get(f"{service.url}/api/v1/items/{code}/label.png", timeout=10).status_code == 401
    bad = requests.get(
        f"{service.url}/api/v1/items/{code}/label.png", headers=headers, params={"dpi": "72"}, timeout=10
    )
    assert bad.status_code == 400 and "72" in bad.json()["error"]
    small = requests.get(
        f"{service.url}/api/v1/items/{code}/label.png", headers=headers, params={"size": "10x5"}, timeout=10
    )
    assert small.status_code == 400 and "error" in small.json()
    missing = requests.get(f"{service.url}/api/v1/items/123456789010/label.png", headers=headers, timeout=10)
    assert missing.status_code in (400, 404) and "error" in missing.json()
