from lxml import etree


def count_orders(xml_file) -> int:
    """Count <order> elements in a large XML export from a supplier."""
    total = 0
    for _, element in etree.iterparse(xml_file, events=("end",), tag="order", load_dtd=False,
                                      resolve_entities=False, no_network=True):
        total += 1
        element.clear()
    return total
