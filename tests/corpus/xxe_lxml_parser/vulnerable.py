from lxml import etree


def parse_invoice(xml_bytes: bytes) -> dict:
    """Parse an invoice XML document and return its id and total."""
    parser = etree.XMLParser(resolve_entities=True)
    root = etree.fromstring(xml_bytes, parser)
    return {"id": root.findtext("id"), "total": float(root.findtext("total"))}
