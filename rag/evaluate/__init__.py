"""Measuring retrieval and answer quality: public questions, BEIR benchmarks, no-answer calibration."""
