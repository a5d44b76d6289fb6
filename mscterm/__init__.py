"""mscterm: a terminal explorer of the evidence on mesenchymal stem cell safety."""

__version__ = "0.1.0"
