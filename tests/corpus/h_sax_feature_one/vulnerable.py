import xml.sax
from xml.sax import handler


class CountingHandler(xml.sax.ContentHandler):
    def __init__(self):
        super().__init__()
        self.count = 0

    def startElement(self, name, attrs):
        self.count += 1


def count_elements(xml_path: str) -> int:
    """Count the elements of an XML file received from a partner."""
    parser = xml.sax.make_parser()
    parser.setFeature(handler.feature_external_ges, 1)
    counter = CountingHandler()
    parser.setContentHandler(counter)
    parser.parse(xml_path)
    return counter.count
