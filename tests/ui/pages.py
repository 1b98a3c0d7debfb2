"""What a user sees on a Dagster UI page, read from the DOM: metadata values, rendered Markdown tables, images."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

WAIT_SECONDS = 30

# Every table of a rendered Markdown value: rows as {header: {text, images}}, images with their `src` scheme and
# whether the browser decoded them (naturalWidth > 0 only once the image loaded).
READ_TABLES = """
return [...arguments[0].querySelectorAll('table')].map(table => {
  const headers = [...table.querySelectorAll('th')].map(th => th.innerText.trim());
  const rows = [...table.querySelectorAll('tr')].filter(tr => tr.querySelector('td'));
  return rows.map(tr => Object.fromEntries([...tr.children].map((td, i) => [
    headers[i],
    {text: td.innerText.trim(), images: [...td.querySelectorAll('img')].map(img => ({
      src: img.getAttribute('src').slice(0, 23), width: img.naturalWidth, complete: img.complete}))},
  ])));
});
"""
IMAGES_DONE = "return [...arguments[0].querySelectorAll('img')].every(img => img.complete)"
READ_LINKS = "return [...arguments[0].querySelectorAll('a')].map(a => [a.innerText.trim(), a.href])"


@dataclass(frozen=True)
class Cell:
    text: str
    images: list[dict[str, Any]]


Row = dict[str, Cell]


class Page:
    """One browser tab on the webserver; every read waits for the UI to render what it is asked for."""

    def __init__(self, driver: WebDriver, base_url: str, screenshots: Path) -> None:
        self.driver = driver
        self.base_url = base_url
        self.screenshots = screenshots
        self.clicks = 0  # every click this page made for the user, to measure how far one thing is from another

    def open(self, path: str, ready_text: str) -> None:
        self.driver.get(self.base_url + path)
        self.wait_for_text(ready_text)

    def wait_for_text(self, text: str) -> None:
        self.wait(lambda: text in self.text(), f"{text!r} on {self.driver.current_url}")

    def wait(self, condition: Any, what: str) -> Any:
        def attempt(_: WebDriver) -> Any:
            try:
                return condition()
            except StaleElementReferenceException:  # React re-rendered the element between find and read
                return False

        return WebDriverWait(self.driver, WAIT_SECONDS).until(attempt, f"timed out waiting for {what}")

    def text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "body").text

    def screenshot(self, name: str) -> None:
        self.driver.save_screenshot(str(self.screenshots / f"{name}.png"))

    def click_text(self, text: str) -> None:
        """The last element whose own text is `text` (tabs and buttons render their label in a child span)."""
        xpath = f"//*[normalize-space(text())='{text}']"
        self.wait(lambda: self.driver.find_elements(By.XPATH, xpath), f"{text!r} to click")
        self.click(self.driver.find_elements(By.XPATH, xpath)[-1])

    def click(self, element: WebElement) -> None:
        self.clicks += 1
        element.click()

    def metadata_row(self, key: str) -> WebElement:
        xpath = f"//tr[td[1][normalize-space(.)='{key}']]"
        return self.wait(lambda: self.driver.find_element(By.XPATH, xpath), f"metadata entry {key!r}")

    def markdown(self, key: str) -> WebElement:
        """The rendered Markdown of metadata entry `key`. The UI shows a long value behind "[Show Markdown]" in a
        dialog and a short one inline; either way this is the element the user reads."""
        row = self.metadata_row(key)
        show = row.find_elements(By.XPATH, ".//*[normalize-space(text())='[Show Markdown]']")
        if show:
            self.close_dialog()
            self.click(show[0])
            container = self.wait(
                lambda: self.driver.find_element(By.CSS_SELECTOR, "[role=dialog] .dagster-markdown"), f"{key} dialog"
            )
        else:
            container = row.find_element(By.CSS_SELECTOR, ".dagster-markdown")
        self.wait(lambda: self.driver.execute_script(IMAGES_DONE, container), f"images of {key} to load")
        return container

    def tables(self, container: WebElement) -> list[list[Row]]:
        return [
            [{header: Cell(cell["text"], cell["images"]) for header, cell in row.items()} for row in table]
            for table in self.driver.execute_script(READ_TABLES, container)
        ]

    def links(self, container: WebElement) -> list[tuple[str, str]]:
        """(text, absolute href) of every link in `container`."""
        return [(text, href) for text, href in self.driver.execute_script(READ_LINKS, container)]

    def close_dialog(self) -> None:
        if self.driver.find_elements(By.CSS_SELECTOR, "[role=dialog]"):
            # Escape to the focused element, inside the dialog: sent to <body>, it moves the focus out of the dialog,
            # which then never sees the key.
            ActionChains(self.driver).send_keys(Keys.ESCAPE).perform()
            self.wait(lambda: not self.driver.find_elements(By.CSS_SELECTOR, "[role=dialog]"), "the dialog to close")


def loaded_inline_image(cell: Cell) -> bool:
    """An <img> whose source is an inline JPEG the browser actually decoded."""
    return any(image["src"] == "data:image/jpeg;base64," and image["width"] > 0 for image in cell.images)
