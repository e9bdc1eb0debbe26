"""The unit page's tuning plots: one per stored curve, orientation curves together on one polar plot."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from store.figures.tuning import tuning_plots
from store.records import CurveView

SVG = "{http://www.w3.org/2000/svg}"


def test_every_stored_curve_gets_a_plot_orientation_first_drawing_lines_edges_and_curves_apart() -> None:
    angles = [float(a) for a in range(0, 360, 15)]
    curves = [
        CurveView(name="hue", axes={"hue": angles}, values=[1.0] * 24),
        CurveView(name="orientation", axes={"orientation": angles}, values=[1.0] * 24),
        CurveView(name="line", axes={"orientation": angles}, values=[0.5] * 24),
        CurveView(
            name="frequency", axes={"frequency": [1.0, 2.0], "orientation": [0.0, 90.0]}, values=[[1, 2], [3, 4]]
        ),
    ]
    plots = tuning_plots("block1:1", curves, {"orientation": 45.0})
    assert [plot.title for plot in plots] == ["Orientation", "Hue", "Spatial frequency"]
    polar = ET.fromstring(str(plots[0].svg))
    assert len(polar.findall(f".//{SVG}polygon")) == 1 and polar.find(f".//{SVG}g[@class='mark']") is not None
    legend = [t.text for t in polar.find(f".//{SVG}g[@class='legend']").iter(f"{SVG}text")]
    assert legend == ["lines", "preferred 45°"]  # the best of the stored curves is not drawn over them again
