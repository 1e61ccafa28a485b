"""HexaCoder's fine-tuning pipeline: oracle-guided vulnerable/fixed pairs per CWE, then a LoRA adapter for the local model."""

INSTALL_HINT = 'install the fine-tuning extra: pip install "safegen[finetune]"'
