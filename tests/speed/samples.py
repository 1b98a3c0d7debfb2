"""A short article the offline planner can narrate over two materials in a 20 s video."""

ARTICLE = """# 实验室的一天

清晨的实验室里，宇航员正在检查火箭的模型。每一个零件都需要仔细核对。

夜里的屏幕一片漆黑，只有机器还在安静地运转。

一杯咖啡之后，大家开始了新一天的工作。
"""
