"""Feature encoders used as loss networks."""

from brushwork.encoders.vgg19 import LAYERS, VGG19Encoder, load_vgg19

__all__ = ["LAYERS", "VGG19Encoder", "load_vgg19"]
