import json
import marshal
import pickle
import shelve

import yaml


def load(blob, path, stream):
    # ruleid: safegen.unsafe-deserialization
    a = pickle.loads(blob)
    # ruleid: safegen.unsafe-deserialization
    b = marshal.loads(blob)
    # ruleid: safegen.unsafe-deserialization
    c = shelve.open(path)
    # ruleid: safegen.unsafe-deserialization
    d = yaml.load(stream, Loader=yaml.Loader)
    # ruleid: safegen.unsafe-deserialization
    e = yaml.unsafe_load(stream)
    # ok: safegen.unsafe-deserialization
    f = yaml.load(stream, Loader=yaml.SafeLoader)
    # ok: safegen.unsafe-deserialization
    g = yaml.safe_load(stream)
    # ok: safegen.unsafe-deserialization
    h = json.loads(blob)
    # ok: safegen.unsafe-deserialization
    i = pickle.dumps(h)
    return a, b, c, d, e, f, g, h, i
