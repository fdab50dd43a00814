"""Evaluation: generate predictions, score them (render success, cost to success, CLIP, SSIM, judge), compare."""
from .generate import GenerateConfig, generate_file, pick_best, predict_row
from .score import ScoreConfig, score_rows

__all__ = ["GenerateConfig", "generate_file", "predict_row", "pick_best", "ScoreConfig", "score_rows"]
