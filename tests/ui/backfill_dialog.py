"""An operator's backfill in the Dagster UI: the asset page's "Materialize…" dialog, partitions picked by typing each
key into the partition selector's filter and ticking it, then "Launch backfill"."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By

from tests.ui.pages import Page

CREATED = re.compile(r"Created backfill (\S+)")


def launch_backfill_of_partitions(page: Page, asset: str, partition_keys: list[str]) -> str:
    """The id of the backfill the UI launched, read from the toast it shows. A screenshot of the page where it
    stopped, should it fail."""
    try:
        return _launch(page, asset, partition_keys)
    except Exception:
        page.screenshot("backfill-failed-here")
        raise


def _launch(page: Page, asset: str, partition_keys: list[str]) -> str:
    page.open(f"/assets/{asset}", "Materialize")
    # The button is there, disabled, before the asset's definition has loaded; a click then does nothing.
    materialize = "//button[starts-with(normalize-space(.), 'Materialize')][not(@disabled)]"
    page.click(page.wait(lambda: page.driver.find_element(By.XPATH, materialize), "the Materialize button"))
    page.wait_for_text(f"Launch runs to materialize {asset}")
    page.click_text("Select a partition or create one")
    for key in partition_keys:
        # Typed into the filter, so the key is found however many partitions the virtualized list holds.
        search = page.wait(
            lambda: page.driver.find_element(By.CSS_SELECTOR, "input[placeholder='Filter partitions']"),
            "the partition filter",
        )
        search.clear()
        search.send_keys(key)
        row = f"//*[@role='menuitem'][.//*[normalize-space(text())='{key}']]"
        page.click(
            page.wait(lambda row=row: page.driver.find_element(By.XPATH, row), f"partition {key} in the selector")
        )
    page.screenshot("backfill-01-partitions-picked")
    # A click on the dialog's title closes the selector's popover, as a click anywhere outside it would.
    page.click_text(f"Launch runs to materialize {asset}")
    page.wait_for_text(f"{len(partition_keys)} partitions")
    page.click_text("Launch backfill")
    created = page.wait(lambda: CREATED.search(page.text()), "the backfill's toast")
    page.screenshot("backfill-02-launched")
    return created.group(1)
