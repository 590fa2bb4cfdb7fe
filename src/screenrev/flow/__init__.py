"""The PRISMA 2020 flow: counting (``counts``), the flow of a review (``stage``), the
PRISMA2020 template CSV (``template``) and the diagram (``diagram``)."""
