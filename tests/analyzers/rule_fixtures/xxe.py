import xml.sax
from xml.sax.handler import feature_external_ges

from lxml import etree


def parse(data):
    # ruleid: safegen.xxe
    parser = etree.XMLParser(resolve_entities=True)
    # ruleid: safegen.xxe
    loose = etree.XMLParser(load_dtd=True, no_network=False)
    # ok: safegen.xxe
    strict = etree.XMLParser(resolve_entities=False, no_network=True)
    # ok: safegen.xxe
    dtd = etree.XMLParser(load_dtd=True, resolve_entities=False)
    return etree.fromstring(data, parser), loose, strict, dtd


def sax(path, handler):
    reader = xml.sax.make_parser()
    # ruleid: safegen.xxe
    reader.setFeature(feature_external_ges, True)
    # ruleid: safegen.xxe
    reader.setFeature(feature_external_ges, 1)
    # ok: safegen.xxe
    reader.setFeature(feature_external_ges, False)
    # ok: safegen.xxe
    reader.setFeature(feature_external_ges, 0)
    reader.setContentHandler(handler)
    reader.parse(path)
