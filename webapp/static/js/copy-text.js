// Copy buttons on the notices page. Without JavaScript the texts are there to select and copy
// by hand, and the buttons stay hidden; with it, each button copies its text.
document.querySelectorAll("button[data-copy]").forEach((button) => {
  const text = document.getElementById(button.dataset.copy);
  const done = button.parentElement.querySelector(".copy-done");
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text.textContent.trim());
      done.textContent = "Copied.";
    } catch (error) {
      const range = document.createRange();
      range.selectNodeContents(text);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      done.textContent = "Selected: press Ctrl+C (or Cmd+C) to copy.";
    }
  });
});
