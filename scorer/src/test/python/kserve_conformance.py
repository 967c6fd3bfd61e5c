#!/usr/bin/env python3
"""Open Inference Protocol (KServe v2) conformance checks of the MOS scorer, with clients the
project did not write: gRPC stubs generated at run time from KServe's own grpc_predict_v2.proto by
grpc_tools (Debian's python3-grpc-tools), and plain HTTP requests (urllib) shaped like the
protocol's examples. Run against a scorer serving the test bundle `flat` (3 x 4 x 4 input,
logits = W f + b with f the per-channel mean of the input, W = diag(1, 2, -1), b = (0.5, 0, 0.25));
expected values are computed here from that definition.

    kserve_conformance.py --proto PROTO --out DIR --grpc-port P --http-url URL

Prints one line per check (PASS/FAIL) and a summary; exits 1 when a check fails.
"""
import argparse
import base64
import importlib
import json
import math
import os
import struct
import subprocess
import sys
import urllib.error
import urllib.request
import zlib

MODEL = "flat"
W = [1.0, 2.0, -1.0]
B = [0.5, 0.0, 0.25]
SIZE = 4
PER_IMAGE = 3 * SIZE * SIZE

results = []


def check(name, fn):
    try:
        fn()
        results.append((name, None))
        print("PASS " + name, flush=True)
    except Exception as e:  # a failed check is reported, the others still run
        results.append((name, e))
        print("FAIL %s: %s: %s" % (name, type(e).__name__, e), flush=True)


def expect(cond, message):
    if not cond:
        raise AssertionError(message)


def close(actual, expected, tol=1e-5):
    expect(len(actual) == len(expected), "got %d values, expected %d" % (len(actual), len(expected)))
    for i, (a, e) in enumerate(zip(actual, expected)):
        expect(abs(a - e) <= tol, "value %d is %r, expected %r (all: %r)" % (i, a, e, list(actual)))


# ---- the model, independently of the scorer ----

def image(channels):
    """A preprocessed [3, 4, 4] image whose channel c is constant channels[c], row-major."""
    return [v for v in channels for _ in range(SIZE * SIZE)]


def logits(channels):
    return [W[c] * channels[c] + B[c] for c in range(3)]


def msp(z):
    m = max(z)
    return 1.0 / sum(math.exp(v - m) for v in z)


def energy(z):
    m = max(z)
    return m + math.log(sum(math.exp(v - m) for v in z))


def png(r, g, b, width=6, height=5):
    """A solid-colour 8-bit RGB PNG, written by hand (zlib + CRC chunks)."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + bytes([r, g, b]) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def normalised(rgb):
    """The bundle's preprocessing of a solid colour: mean 0.5, std 0.5 per channel."""
    return [(v / 255.0 - 0.5) / 0.5 for v in rgb]


IMAGES = [[0.5, 0.25, -1.0], [0.0, 0.0, 0.0]]
RED = (255, 0, 51)


# ---- gRPC ----

def grpc_checks(pb, stub, grpc):
    def status_of(call):
        try:
            call()
        except grpc.RpcError as e:
            return e.code(), e.details()
        raise AssertionError("the call succeeded; expected an error status")

    def live():
        expect(stub.ServerLive(pb.ServerLiveRequest()).live, "not live")

    def ready():
        expect(stub.ServerReady(pb.ServerReadyRequest()).ready, "not ready")

    def server_metadata():
        m = stub.ServerMetadata(pb.ServerMetadataRequest())
        expect(m.name == "mos-scorer", "name %r" % m.name)
        expect(m.version != "", "no version")
        expect("binary_tensor_data" in m.extensions, "extensions %r" % list(m.extensions))

    meta = {}

    def model_metadata():
        m = stub.ModelMetadata(pb.ModelMetadataRequest(name=MODEL))
        expect(m.name == MODEL, "name %r" % m.name)
        expect(m.platform == "onnxruntime_onnx", "platform %r" % m.platform)
        expect(len(m.versions) == 1, "versions %r" % list(m.versions))
        expect([(t.name, t.datatype, list(t.shape)) for t in m.inputs]
               == [("input", "FP32", [-1, 3, SIZE, SIZE])], "inputs %r" % m.inputs)
        names = {t.name: (t.datatype, list(t.shape)) for t in m.outputs}
        expect(names["logits"] == ("FP32", [-1, 3]), "logits %r" % (names.get("logits"),))
        expect(names["predicted_class"] == ("INT64", [-1]), "predicted_class")
        for method in ("maxlogit", "msp", "energy"):
            expect(names[method] == ("FP64", [-1]), method)
        meta["version"] = m.versions[0]
        again = stub.ModelMetadata(pb.ModelMetadataRequest(name=MODEL, version=m.versions[0]))
        expect(again.name == MODEL, "versioned metadata")

    def model_ready():
        expect(stub.ModelReady(pb.ModelReadyRequest(name=MODEL)).ready, "flat not ready")
        expect(stub.ModelReady(pb.ModelReadyRequest(name=MODEL, version=meta["version"])).ready,
               "flat at its version not ready")
        # the test models folder holds a bundle "broken" whose manifest is not JSON
        expect(not stub.ModelReady(pb.ModelReadyRequest(name="broken")).ready,
               "a bundle that failed to load is ready")
        code, _ = status_of(lambda: stub.ModelReady(pb.ModelReadyRequest(name="nope")))
        expect(code == grpc.StatusCode.NOT_FOUND, "unknown model: %s" % code)
        code, _ = status_of(
            lambda: stub.ModelReady(pb.ModelReadyRequest(name=MODEL, version="000000000000")))
        expect(code == grpc.StatusCode.NOT_FOUND, "unknown version: %s" % code)

    def fp32_request(**kw):
        data = [v for channels in IMAGES for v in image(channels)]
        req = pb.ModelInferRequest(model_name=MODEL, id="g1", **kw)
        t = req.inputs.add(name="input", datatype="FP32", shape=[len(IMAGES), 3, SIZE, SIZE])
        t.contents.fp32_contents.extend(data)
        return req

    def outputs_by_name(resp):
        return {o.name: o for o in resp.outputs}

    def infer_contents():
        resp = stub.ModelInfer(fp32_request())
        expect(resp.model_name == MODEL and resp.id == "g1", "model_name/id %r %r"
               % (resp.model_name, resp.id))
        expect(resp.model_version == meta["version"], "model_version %r" % resp.model_version)
        out = outputs_by_name(resp)
        expected = [v for channels in IMAGES for v in logits(channels)]
        expect(list(out["logits"].shape) == [2, 3], "logits shape %r" % list(out["logits"].shape))
        close(out["logits"].contents.fp32_contents, expected)
        z = [logits(c) for c in IMAGES]
        expect(list(out["predicted_class"].contents.int64_contents)
               == [max(range(3), key=lambda k: zi[k]) for zi in z], "predicted_class")
        close(out["maxlogit"].contents.fp64_contents, [max(zi) for zi in z])
        close(out["msp"].contents.fp64_contents, [msp(zi) for zi in z])
        close(out["energy"].contents.fp64_contents, [energy(zi) for zi in z])
        # the features of the linear model are the per-channel means of the input
        expect(list(out["features"].shape) == [2, 3], "features shape")
        close(out["features"].contents.fp32_contents, [v for c in IMAGES for v in c])

    def infer_raw():
        data = [v for channels in IMAGES for v in image(channels)]
        req = pb.ModelInferRequest(model_name=MODEL, model_version=meta["version"])
        req.inputs.add(name="input", datatype="FP32", shape=[2, 3, SIZE, SIZE])
        req.raw_input_contents.append(struct.pack("<%df" % len(data), *data))
        req.outputs.add(name="logits")
        req.outputs.add(name="msp")
        resp = stub.ModelInfer(req)
        expect([o.name for o in resp.outputs] == ["logits", "msp"], "outputs %r"
               % [o.name for o in resp.outputs])
        expect(len(resp.raw_output_contents) == 2, "raw outputs %d" % len(resp.raw_output_contents))
        got = struct.unpack("<6f", resp.raw_output_contents[0])
        close(got, [v for c in IMAGES for v in logits(c)])
        close(struct.unpack("<2d", resp.raw_output_contents[1]), [msp(logits(c)) for c in IMAGES])

    def infer_fp64_contents():
        req = pb.ModelInferRequest(model_name=MODEL)
        t = req.inputs.add(name="input", datatype="FP64", shape=[1, 3, SIZE, SIZE])
        t.contents.fp64_contents.extend(image(IMAGES[0]))
        req.outputs.add(name="logits")
        resp = stub.ModelInfer(req)
        close(resp.outputs[0].contents.fp32_contents, logits(IMAGES[0]))

    def infer_bytes():
        req = pb.ModelInferRequest(model_name=MODEL)
        t = req.inputs.add(name="input", datatype="BYTES", shape=[1])
        t.contents.bytes_contents.append(png(*RED))
        req.outputs.add(name="logits")
        resp = stub.ModelInfer(req)
        close(resp.outputs[0].contents.fp32_contents, logits(normalised(RED)))

    def infer_bytes_raw():
        encoded = png(0, 255, 0)
        req = pb.ModelInferRequest(model_name=MODEL)
        req.inputs.add(name="input", datatype="BYTES", shape=[2, 1])
        one = struct.pack("<I", len(encoded)) + encoded
        req.raw_input_contents.append(one + one)
        req.outputs.add(name="logits")
        resp = stub.ModelInfer(req)
        got = struct.unpack("<6f", resp.raw_output_contents[0])
        close(got, logits(normalised((0, 255, 0))) * 2)

    def infer_methods_parameter():
        req = fp32_request()
        req.parameters["methods"].string_param = "maxlogit"
        resp = stub.ModelInfer(req)
        names = [o.name for o in resp.outputs]
        expect(names == ["logits", "features", "predicted_class", "maxlogit"],
               "outputs %r" % names)

    def refused(code_wanted, words, build):
        def run():
            code, details = status_of(lambda: stub.ModelInfer(build()))
            expect(code == code_wanted, "status %s (%s), expected %s" % (code, details, code_wanted))
            for w in words:
                expect(w in details, "details %r do not name %r" % (details, w))
        return run

    def bad_shape():
        req = fp32_request()
        del req.inputs[0].shape[:]
        req.inputs[0].shape.extend([2, 3, -4, -4])
        return req

    def bad_datatype():
        req = fp32_request()
        req.inputs[0].datatype = "FP8"
        return req

    def bad_count():
        req = fp32_request()
        req.inputs[0].contents.fp32_contents.append(1.0)
        return req

    def tensor_bomb():
        req = pb.ModelInferRequest(model_name=MODEL)
        req.inputs.add(name="input", datatype="FP32", shape=[100000, 3, 4096, 4096])
        return req

    def bad_name():
        req = fp32_request()
        req.inputs[0].name = "pixels"
        return req

    def bad_image():
        req = pb.ModelInferRequest(model_name=MODEL)
        t = req.inputs.add(name="input", datatype="BYTES", shape=[1])
        t.contents.bytes_contents.append(b"not an image")
        return req

    def bad_output():
        req = fp32_request()
        req.outputs.add(name="probabilities")
        return req

    def bad_parameter():
        req = fp32_request()
        req.parameters["tpr"].bool_param = True
        return req

    def bad_raw_length():
        req = pb.ModelInferRequest(model_name=MODEL)
        req.inputs.add(name="input", datatype="FP32", shape=[1, 3, SIZE, SIZE])
        req.raw_input_contents.append(b"\x00" * 10)
        return req

    def unknown_model():
        req = fp32_request()
        req.model_name = "nope"
        return req

    def still_serving():
        infer_contents()

    check("grpc ServerLive", live)
    check("grpc ServerReady", ready)
    check("grpc ServerMetadata", server_metadata)
    check("grpc ModelMetadata", model_metadata)
    check("grpc ModelReady", model_ready)
    check("grpc ModelInfer FP32 contents", infer_contents)
    check("grpc ModelInfer raw_input_contents", infer_raw)
    check("grpc ModelInfer FP64 contents", infer_fp64_contents)
    check("grpc ModelInfer BYTES encoded image", infer_bytes)
    check("grpc ModelInfer BYTES raw_input_contents", infer_bytes_raw)
    check("grpc ModelInfer methods parameter", infer_methods_parameter)
    check("grpc refuses negative shape", refused(grpc.StatusCode.INVALID_ARGUMENT,
                                                  ["non-negative"], bad_shape))
    check("grpc refuses unknown datatype", refused(grpc.StatusCode.INVALID_ARGUMENT,
                                                    ["FP8"], bad_datatype))
    check("grpc refuses data count mismatch", refused(grpc.StatusCode.INVALID_ARGUMENT,
                                                       ["97", "96"], bad_count))
    check("grpc refuses tensor over budget", refused(grpc.StatusCode.RESOURCE_EXHAUSTED,
                                                      ["scorer.limits.max-tensor-elements"],
                                                      tensor_bomb))
    check("grpc refuses wrong input name", refused(grpc.StatusCode.INVALID_ARGUMENT,
                                                    ["pixels"], bad_name))
    check("grpc refuses undecodable image", refused(grpc.StatusCode.INVALID_ARGUMENT,
                                                     ["element 0"], bad_image))
    check("grpc refuses unknown output", refused(grpc.StatusCode.INVALID_ARGUMENT,
                                                  ["probabilities"], bad_output))
    check("grpc refuses mistyped parameter", refused(grpc.StatusCode.INVALID_ARGUMENT,
                                                      ["tpr"], bad_parameter))
    check("grpc refuses short raw contents", refused(grpc.StatusCode.INVALID_ARGUMENT,
                                                      ["10 bytes"], bad_raw_length))
    check("grpc refuses unknown model", refused(grpc.StatusCode.NOT_FOUND, ["nope"],
                                                 unknown_model))
    check("grpc still serves after refusals", still_serving)
    return meta


# ---- REST ----

def http(base, method, path, body=None, headers=None):
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def nested(flat, shape):
    """Row-major nesting of a flat list, as the protocol allows tensor data to be sent."""
    if len(shape) == 1:
        return list(flat)
    step = len(flat) // shape[0]
    return [nested(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def rest_checks(base, version):
    def get_json(path, status=200):
        code, headers, body = http(base, "GET", path)
        expect(code == status, "GET %s: %d %r" % (path, code, body[:200]))
        return json.loads(body)

    def server():
        m = get_json("/v2")
        expect(m["name"] == "mos-scorer" and "binary_tensor_data" in m["extensions"], str(m))
        expect(isinstance(m["version"], str), str(m))

    def health():
        expect(get_json("/v2/health/live") == {"live": True}, "live")
        expect(get_json("/v2/health/ready") == {"ready": True}, "ready")

    def metadata():
        for path in ("/v2/models/" + MODEL, "/v2/models/%s/versions/%s" % (MODEL, version)):
            m = get_json(path)
            expect(m["name"] == MODEL and m["versions"] == [version], str(m))
            expect(m["platform"] == "onnxruntime_onnx", m["platform"])
            expect(m["inputs"] == [{"name": "input", "datatype": "FP32",
                                    "shape": [-1, 3, SIZE, SIZE]}], str(m["inputs"]))

    def model_ready():
        for path in ("/v2/models/%s/ready" % MODEL,
                     "/v2/models/%s/versions/%s/ready" % (MODEL, version)):
            expect(get_json(path)["ready"] is True, path)

    def post(path, doc, headers=None):
        body = json.dumps(doc).encode() if not isinstance(doc, bytes) else doc
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        return http(base, "POST", path, body, h)

    def infer_spec_example():
        # the protocol's example request: an id, nested row-major data, one requested output
        data = image(IMAGES[0])
        doc = {"id": "42",
               "inputs": [{"name": "input", "shape": [1, 3, SIZE, SIZE], "datatype": "FP32",
                           "data": nested(data, [1, 3, SIZE, SIZE])}],
               "outputs": [{"name": "logits"}]}
        code, headers, body = post("/v2/models/%s/infer" % MODEL, doc)
        expect(code == 200, "%d %r" % (code, body[:300]))
        r = json.loads(body)
        expect(r["id"] == "42" and r["model_name"] == MODEL and r["model_version"] == version,
               str(r))
        expect([o["name"] for o in r["outputs"]] == ["logits"], str(r["outputs"]))
        o = r["outputs"][0]
        expect(o["datatype"] == "FP32" and o["shape"] == [1, 3], str(o))
        close(o["data"], logits(IMAGES[0]))

    def infer_versioned_all_outputs():
        data = [v for c in IMAGES for v in image(c)]
        doc = {"inputs": [{"name": "input", "shape": [2, 3, SIZE, SIZE], "datatype": "FP32",
                           "data": data}]}
        code, _, body = post("/v2/models/%s/versions/%s/infer" % (MODEL, version), doc)
        expect(code == 200, "%d %r" % (code, body[:300]))
        out = {o["name"]: o for o in json.loads(body)["outputs"]}
        z = [logits(c) for c in IMAGES]
        close(out["logits"]["data"], [v for zi in z for v in zi])
        close(out["energy"]["data"], [energy(zi) for zi in z])
        expect(out["predicted_class"]["datatype"] == "INT64", "predicted_class")

    def binary_request(json_doc, binary):
        header = json.dumps(json_doc).encode()
        return post("/v2/models/%s/infer" % MODEL, header + binary,
                    {"Content-Type": "application/octet-stream",
                     "Inference-Header-Content-Length": str(len(header))})

    def split(headers, body):
        n = int(headers["Inference-Header-Content-Length"])
        return json.loads(body[:n]), body[n:]

    def infer_binary():
        data = [v for c in IMAGES for v in image(c)]
        doc = {"inputs": [{"name": "input", "shape": [2, 3, SIZE, SIZE], "datatype": "FP32",
                           "parameters": {"binary_data_size": 4 * len(data)}}],
               "outputs": [{"name": "logits", "parameters": {"binary_data": True}},
                           {"name": "maxlogit"}]}
        code, headers, body = binary_request(doc, struct.pack("<%df" % len(data), *data))
        expect(code == 200, "%d %r" % (code, body[:300]))
        expect(headers["Content-Type"].startswith("application/octet-stream"), str(headers))
        r, tail = split(headers, body)
        lo, ml = r["outputs"]
        expect(lo["parameters"]["binary_data_size"] == 24 and "data" not in lo, str(lo))
        close(struct.unpack("<6f", tail), [v for c in IMAGES for v in logits(c)])
        close(ml["data"], [max(logits(c)) for c in IMAGES])

    def infer_binary_fp16():
        # FP16 exists only in binary form; the values are exact in half precision
        data = image(IMAGES[0])
        doc = {"inputs": [{"name": "input", "shape": [1, 3, SIZE, SIZE], "datatype": "FP16",
                           "parameters": {"binary_data_size": 2 * len(data)}}],
               "outputs": [{"name": "logits"}]}
        code, headers, body = binary_request(doc, struct.pack("<%de" % len(data), *data))
        expect(code == 200, "%d %r" % (code, body[:300]))
        expect(headers["Content-Type"].startswith("application/json"), str(headers))
        close(json.loads(body)["outputs"][0]["data"], logits(IMAGES[0]))

    def infer_binary_data_output():
        doc = {"parameters": {"binary_data_output": True},
               "inputs": [{"name": "input", "shape": [1, 3, SIZE, SIZE], "datatype": "FP32",
                           "data": image(IMAGES[0])}],
               "outputs": [{"name": "predicted_class"}, {"name": "msp"}]}
        code, headers, body = post("/v2/models/%s/infer" % MODEL, doc)
        expect(code == 200, "%d %r" % (code, body[:300]))
        r, tail = split(headers, body)
        sizes = [o["parameters"]["binary_data_size"] for o in r["outputs"]]
        expect(sizes == [8, 8], str(sizes))
        z = logits(IMAGES[0])
        expect(struct.unpack("<q", tail[:8])[0] == z.index(max(z)), "predicted_class")
        close(struct.unpack("<d", tail[8:]), [msp(z)])

    def infer_bytes_json():
        doc = {"inputs": [{"name": "input", "shape": [1], "datatype": "BYTES",
                           "data": [base64.b64encode(png(*RED)).decode()]}],
               "outputs": [{"name": "logits"}]}
        code, _, body = post("/v2/models/%s/infer" % MODEL, doc)
        expect(code == 200, "%d %r" % (code, body[:300]))
        close(json.loads(body)["outputs"][0]["data"], logits(normalised(RED)))

    def infer_bytes_binary():
        encoded = png(*RED)
        element = struct.pack("<I", len(encoded)) + encoded
        doc = {"inputs": [{"name": "input", "shape": [1], "datatype": "BYTES",
                           "parameters": {"binary_data_size": len(element)}}],
               "outputs": [{"name": "logits"}]}
        code, headers, body = binary_request(doc, element)
        expect(code == 200, "%d %r" % (code, body[:300]))
        close(json.loads(body)["outputs"][0]["data"], logits(normalised(RED)))

    def good():
        return {"inputs": [{"name": "input", "shape": [1, 3, SIZE, SIZE], "datatype": "FP32",
                            "data": image(IMAGES[0])}]}

    def with_input(**changes):
        doc = good()
        doc["inputs"][0].update(changes)
        return doc

    def refused(status, words, method, path, body=None, headers=None):
        def run():
            h = {"Content-Type": "application/json"}
            h.update(headers or {})
            code, got_headers, raw = http(base, method, path, body, h)
            expect(code == status, "status %d, expected %d: %r" % (code, status, raw[:300]))
            expect(got_headers.get("Content-Type", "").startswith("application/json"),
                   "content type %r" % got_headers.get("Content-Type"))
            doc = json.loads(raw)
            expect(list(doc) == ["error"] and isinstance(doc["error"], str),
                   "body %r is not the protocol's {\"error\": ...}" % doc)
            for w in words:
                expect(w in doc["error"], "error %r does not name %r" % (doc["error"], w))
        return run

    infer = "/v2/models/%s/infer" % MODEL
    enc = lambda d: json.dumps(d).encode()

    check("rest GET /v2 server metadata", server)
    check("rest health live and ready", health)
    check("rest model metadata (plain and versioned)", metadata)
    check("rest model ready (plain and versioned)", model_ready)
    check("rest infer: the spec's example form", infer_spec_example)
    check("rest infer versioned, all outputs", infer_versioned_all_outputs)
    check("rest binary tensor data extension", infer_binary)
    check("rest binary FP16 input", infer_binary_fp16)
    check("rest binary_data_output", infer_binary_data_output)
    check("rest BYTES base64 image in JSON", infer_bytes_json)
    check("rest BYTES image as binary data", infer_bytes_binary)
    check("rest refuses malformed JSON", refused(400, ["JSON"], "POST", infer, b'{"inputs": ['))
    check("rest refuses trailing content", refused(400, ["JSON"], "POST", infer,
                                                   enc(good()) + b' {"x": 1}'))
    check("rest refuses negative shape", refused(400, ["non-negative"], "POST", infer,
                                                 enc(with_input(shape=[1, 3, -4, -4]))))
    check("rest refuses fractional shape", refused(400, ["1.5"], "POST", infer,
                                                   enc(with_input(shape=[1.5, 3, 4, 4]))))
    check("rest refuses unknown datatype", refused(400, ["FP8"], "POST", infer,
                                                   enc(with_input(datatype="FP8"))))
    check("rest refuses data length mismatch", refused(400, ["48", "75"], "POST", infer,
                                                       enc(with_input(shape=[1, 3, 5, 5]))))
    check("rest refuses non-numeric data", refused(400, ["not a number"], "POST", infer,
                                                   enc(with_input(data=["a"] * 48))))
    check("rest refuses tensor over budget", refused(
        413, ["scorer.limits.max-tensor-elements"], "POST", infer,
        enc(with_input(shape=[100000, 3, 4096, 4096], data=[]))))
    check("rest refuses bad base64", refused(400, ["base64"], "POST", infer, enc(
        with_input(datatype="BYTES", shape=[1], data=["***"]))))
    short = enc({"inputs": [{"name": "input", "shape": [1, 3, SIZE, SIZE], "datatype": "FP32",
                             "parameters": {"binary_data_size": 4 * PER_IMAGE}}]})
    check("rest refuses short binary data", refused(
        400, ["binary_data_size"], "POST", infer, short + b"\x00" * 10,
        {"Inference-Header-Content-Length": str(len(short)),
         "Content-Type": "application/octet-stream"}))
    check("rest refuses unknown output", refused(400, ["probabilities"], "POST", infer,
                                                 enc(dict(good(), outputs=[
                                                     {"name": "probabilities"}]))))
    check("rest refuses unknown model", refused(404, ["nope"], "POST",
                                                "/v2/models/nope/infer", enc(good())))
    check("rest refuses unknown version", refused(404, ["000000000000"], "GET",
                                                  "/v2/models/%s/versions/000000000000" % MODEL))
    check("rest unknown /v2 path", refused(404, [], "GET", "/v2/models/%s/nonsense" % MODEL))
    check("rest wrong method", refused(405, [], "GET", infer))
    check("rest still serves after refusals", infer_spec_example)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--proto", required=True, help="KServe's grpc_predict_v2.proto")
    p.add_argument("--out", required=True, help="folder for the generated stubs")
    p.add_argument("--grpc-port", type=int, required=True)
    p.add_argument("--http-url", required=True, help="e.g. http://127.0.0.1:8080")
    a = p.parse_args()

    os.makedirs(a.out, exist_ok=True)
    proto = os.path.abspath(a.proto)
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.dirname(proto),
                    "--python_out=" + a.out, "--grpc_python_out=" + a.out,
                    os.path.basename(proto)], check=True)
    sys.path.insert(0, os.path.abspath(a.out))
    import grpc
    pb = importlib.import_module("grpc_predict_v2_pb2")
    pb_grpc = importlib.import_module("grpc_predict_v2_pb2_grpc")

    with grpc.insecure_channel("127.0.0.1:%d" % a.grpc_port) as channel:
        stub = pb_grpc.GRPCInferenceServiceStub(channel)
        meta = grpc_checks(pb, stub, grpc)
    rest_checks(a.http_url.rstrip("/"), meta.get("version", "?"))

    failed = [n for n, e in results if e is not None]
    print("conformance: %d checks, %d passed, %d failed" % (len(results),
                                                           len(results) - len(failed),
                                                           len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
