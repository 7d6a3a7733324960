"""Architecture builders shared by several families (DCGAN-style conv nets, MLPs).

DESIGN.md asks for families that never import each other; the DCGAN-style networks are used by DCGAN, WGAN and
WGAN-GP (as in those papers), so they live here rather than in one family's folder.
"""
