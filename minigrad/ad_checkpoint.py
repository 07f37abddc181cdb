"""``minigrad.ad_checkpoint``: where JAX keeps its checkpointing names
(``jax.ad_checkpoint.checkpoint_name``, ``checkpoint_policies``); see ``minigrad.remat``."""

from .remat import checkpoint, checkpoint_name, checkpoint_policies, remat

__all__ = ["checkpoint", "checkpoint_name", "checkpoint_policies", "remat"]
