// The ImageSearch page: search by image, and a live view of the queue. No build step, no framework.
const $ = (id) => document.getElementById(id);
const text = (value) => document.createTextNode(value ?? "");

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(typeof child === "string" ? text(child) : child);
  return node;
}

async function problemText(response) {
  try {
    const problem = await response.json();
    return `${problem.title ?? response.statusText}: ${problem.detail ?? JSON.stringify(problem.errors ?? {})}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

// --- Search ---
let pickedFile = null;

function imageUrlOf(imageRef) {
  return /^https?:\/\//i.test(imageRef) ? imageRef : `images/${imageRef.split("/").map(encodeURIComponent).join("/")}`;
}

function showResults(response) {
  const list = $("results");
  list.replaceChildren();
  for (const result of response.results) {
    const meta = Object.entries(result.metadata ?? {}).map(([k, v]) => `${k}: ${v}`).join(" · ");
    list.append(element("li", { "data-product-id": result.product_id },
      element("img", { src: imageUrlOf(result.image_ref), alt: result.name ?? result.product_id, loading: "lazy" }),
      element("div", { class: "caption" },
        element("span", { class: "score" }, result.score.toFixed(3)),
        element("strong", {}, result.name ?? result.product_id),
        element("div", { class: "meta" }, result.product_id),
        element("div", { class: "meta" }, meta))));
  }
  $("search-status").textContent = `${response.count} result(s), model ${response.model}`;
}

async function search(event) {
  event?.preventDefault();
  const url = $("image-url").value.trim();
  if (!pickedFile && !url) {
    $("search-status").textContent = "Pick or drop an image, or paste an image URL.";
    return;
  }
  const query = new URLSearchParams({ limit: $("limit").value || "12" });
  if ($("category").value.trim()) query.set("category", $("category").value.trim());
  const init = { method: "POST" };
  if (pickedFile) {
    const form = new FormData();
    form.append("image", pickedFile);
    init.body = form;
  } else {
    init.headers = { "Content-Type": "application/json" };
    init.body = JSON.stringify({ image_url: url });
  }
  $("search-status").textContent = "Searching…";
  const response = await fetch(`search?${query}`, init);
  if (!response.ok) {
    $("search-status").textContent = await problemText(response);
    $("results").replaceChildren();
    return;
  }
  showResults(await response.json());
}

function pick(file) {
  pickedFile = file;
  $("image-url").value = "";
  $("drop-zone").querySelector("span").textContent = file ? file.name : "Drop an image here, or click to pick one";
  if (file) search();
}

$("search-form").addEventListener("submit", search);
$("image-input").addEventListener("change", (e) => pick(e.target.files[0] ?? null));
$("image-url").addEventListener("input", () => { pickedFile = null; });
const dropZone = $("drop-zone");
dropZone.addEventListener("dragover", (e) => { e.preventDefault(); dropZone.classList.add("over"); });
dropZone.addEventListener("dragleave", () => dropZone.classList.remove("over"));
dropZone.addEventListener("drop", (e) => {
  e.preventDefault();
  dropZone.classList.remove("over");
  if (e.dataTransfer.files.length) pick(e.dataTransfer.files[0]);
});

// --- Queue panel ---
const statFields = [
  ["pending", "Pending"], ["processing", "Processing"], ["delayed", "Delayed (retry)"], ["dead", "Dead letters"],
  ["completed", "Completed"], ["failed", "Failed"], ["active_workers", "Active workers"],
  ["throughput_last_minute", "Done in the last minute"], ["success_rate", "Success rate"],
];

async function getJson(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(await problemText(response));
  return response.json();
}

async function refreshQueue() {
  try {
    const [stats, workers, dead] = await Promise.all([
      getJson("queue/stats"), getJson("queue/workers"), getJson("queue/dead?limit=20"),
    ]);
    $("stats").replaceChildren(...statFields.flatMap(([field, label]) => [
      element("dt", {}, label), element("dd", { id: `stat-${field}` }, String(stats[field] ?? "–")),
    ]));
    $("workers").replaceChildren(...workers.workers.map((w) =>
      element("li", {}, `${w.worker_id}: ${w.status}, ${w.tasks_processed} done, ${w.tasks_failed} failed`)));
    $("dead-letters").replaceChildren(...(dead.items ?? []).map((task) => {
      const requeue = element("button", { type: "button" }, "Requeue");
      requeue.addEventListener("click", () => requeueDeadLetter(task.task_id));
      return element("li", { class: "status-dead" }, `${task.product_id}: ${task.last_error ?? task.error ?? "failed"} `, requeue);
    }));
  } catch (error) {
    $("stats").replaceChildren(element("dt", { class: "error" }, String(error.message)));
  }
}

async function refreshTasks() {
  const ids = JSON.parse(sessionStorage.getItem("watched-tasks") ?? "[]");
  const items = [];
  for (const id of ids.slice(-10)) {
    try {
      const task = await getJson(`queue/status/${encodeURIComponent(id)}`);
      items.push(element("li", { class: `status-${task.status}`, "data-task-id": id }, `${task.product_id}: ${task.status}`));
    } catch {
      // Expired by retention: no longer shown.
    }
  }
  $("tasks").replaceChildren(...items);
}

async function requeueDeadLetter(taskId) {
  const response = await fetch(`queue/dead/${encodeURIComponent(taskId)}/requeue`, {
    method: "POST", headers: { "X-Api-Key": $("api-key").value },
  });
  if (!response.ok) alert(await problemText(response));
  else watchTask(taskId);
  refreshQueue();
}

function watchTask(taskId) {
  const ids = JSON.parse(sessionStorage.getItem("watched-tasks") ?? "[]");
  if (!ids.includes(taskId)) ids.push(taskId);
  sessionStorage.setItem("watched-tasks", JSON.stringify(ids.slice(-50)));
}

// Other tabs or tools may enqueue: a task id in the page's hash (#task=...) is watched too.
const hashTask = new URLSearchParams(location.hash.slice(1)).get("task");
if (hashTask) watchTask(hashTask);

refreshQueue();
refreshTasks();
setInterval(() => { refreshQueue(); refreshTasks(); }, 2000);
