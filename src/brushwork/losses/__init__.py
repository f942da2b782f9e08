"""Perceptual losses, each a function plus a Module."""

from brushwork.losses.content import ContentLoss, content_loss
from brushwork.losses.grid import GridLoss, grid_loss
from brushwork.losses.moments import MomentLoss, moment_loss
from brushwork.losses.perceptual import PerceptualLoss
from brushwork.losses.style import StyleLoss, blend_grams, gram_matrix, style_loss
from brushwork.losses.temporal import TemporalLoss, temporal_loss
from brushwork.losses.total_variation import TotalVariation, total_variation

__all__ = [
    "ContentLoss",
    "GridLoss",
    "MomentLoss",
    "PerceptualLoss",
    "StyleLoss",
    "TemporalLoss",
    "TotalVariation",
    "blend_grams",
    "content_loss",
    "gram_matrix",
    "grid_loss",
    "moment_loss",
    "style_loss",
    "temporal_loss",
    "total_variation",
]
