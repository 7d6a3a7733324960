"""Export: TF Serving SavedModels, TFLite / LiteRT and (optionally) ONNX.

    >>> import tfgan_zoo
    >>> from tfgan_zoo.export import export_saved_model, convert_tflite, verify_tflite
    >>> m = tfgan_zoo.build_model("dcgan", image_size=16, g_base_filters=8, d_base_filters=8)
    >>> sm = export_saved_model(m, "/tmp/models")                     # /tmp/models/dcgan/1
    >>> tfl = convert_tflite(sm, "/tmp/dcgan.tflite", quantization="dynamic", batch_size=1)
    >>> verify_tflite(tfl, sm) < 0.05
    True
"""

from tfgan_zoo.export.graph_loader import (
    GraphSavedModel,
    InvalidInputError,
    ServingError,
    SignatureNotFoundError,
    run_graph_loader,
)
from tfgan_zoo.export.onnx_export import export_onnx, onnx_available, verify_onnx
from tfgan_zoo.export.saved_model import (
    METADATA_FILE,
    OUTPUT_DTYPES,
    WARMUP_FILE,
    ExportError,
    example_inputs,
    export_saved_model,
    list_versions,
    next_version,
    read_export_metadata,
    read_warmup_requests,
    to_uint8,
)
from tfgan_zoo.export.tflite import (
    QUANTIZATIONS,
    TFLiteRunner,
    convert_tflite,
    sample_inputs,
    tflite_report,
    verify_tflite,
)

__all__ = [
    "export_saved_model", "convert_tflite", "verify_tflite", "tflite_report", "TFLiteRunner", "sample_inputs",
    "GraphSavedModel", "run_graph_loader", "ServingError", "InvalidInputError", "SignatureNotFoundError",
    "ExportError", "example_inputs", "list_versions", "next_version", "read_export_metadata", "read_warmup_requests",
    "to_uint8", "export_onnx", "verify_onnx", "onnx_available", "OUTPUT_DTYPES", "QUANTIZATIONS", "WARMUP_FILE",
    "METADATA_FILE",
]
