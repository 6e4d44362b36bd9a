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
    const errors = Object.values(problem.errors ?? {}).flat().join(" ");
    return `${problem.title ?? response.statusText}: ${problem.detail ?? errors}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

// The key is sent with every call when given: mutating calls need it, and reads do when the server asks for it.
// Kept for this tab only.
const apiKeyInput = $("api-key");
apiKeyInput.value = sessionStorage.getItem("api-key") ?? "";
apiKeyInput.addEventListener("change", () => sessionStorage.setItem("api-key", apiKeyInput.value));

function api(path, init = {}) {
  const headers = new Headers(init.headers);
  if (apiKeyInput.value) headers.set("X-Api-Key", apiKeyInput.value);
  return fetch(path, { ...init, headers });
}

async function getJson(path) {
  const response = await api(path);
  if (!response.ok) throw new Error(await problemText(response));
  return response.json();
}

// --- Search ---
let pickedFile = null;

// The API gives each result the address it serves the image at (signed when reads need the key); a URL is shown as it is.
function imageUrlOf(result) {
  return result.image_link ?? result.image_ref;
}

function showResults(response) {
  const list = $("results");
  list.replaceChildren(...response.results.map((result) => {
    const metadata = Object.entries(result.metadata ?? {}).map(([k, v]) => `${k}: ${v}`).join(" · ");
    return element("li", { "data-product-id": result.product_id },
      element("img", { src: imageUrlOf(result), alt: result.name ?? result.product_id, loading: "lazy" }),
      element("div", { class: "caption" },
        element("span", { class: "score", title: "cosine similarity" }, result.score.toFixed(3)),
        element("strong", { class: "name" }, result.name ?? result.product_id),
        element("div", { class: "meta product-id" }, result.product_id),
        element("div", { class: "meta" }, metadata)));
  }));
  $("search-status").textContent = response.count === 0
    ? "No products match (is the index empty, or the category too narrow?)."
    : `${response.count} result(s), model ${response.model}`;
}

async function search(event) {
  event?.preventDefault();
  const reference = $("image-url").value.trim();
  if (!pickedFile && !reference) {
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
    init.body = JSON.stringify(/^https?:\/\//i.test(reference) ? { image_url: reference } : { image_path: reference });
  }
  $("search-status").textContent = "Searching…";
  try {
    const response = await api(`search?${query}`, init);
    if (!response.ok) {
      $("search-status").textContent = await problemText(response);
      $("results").replaceChildren();
      return;
    }
    showResults(await response.json());
  } catch (error) {
    $("search-status").textContent = `Search failed: ${error.message}`;
  }
}

function pick(file) {
  pickedFile = file;
  const preview = $("query-preview");
  if (preview.src) URL.revokeObjectURL(preview.src);
  preview.hidden = !file;
  if (file) {
    preview.src = URL.createObjectURL(file);
    $("image-url").value = "";
  } else {
    preview.removeAttribute("src");
  }
  $("drop-zone").querySelector("span").textContent = file ? file.name : "Drop an image here, or click to pick one";
  if (file) search();
}

$("search-form").addEventListener("submit", search);
$("image-input").addEventListener("change", (e) => pick(e.target.files[0] ?? null));
$("image-url").addEventListener("input", () => { if (pickedFile) pick(null); });
// A new category or limit applies to the current query at once.
$("category").addEventListener("change", () => { if (pickedFile || $("image-url").value.trim()) search(); });
const dropZone = $("drop-zone");
dropZone.addEventListener("dragover", (e) => { e.preventDefault(); dropZone.classList.add("over"); });
dropZone.addEventListener("dragleave", () => dropZone.classList.remove("over"));
dropZone.addEventListener("drop", (e) => {
  e.preventDefault();
  dropZone.classList.remove("over");
  if (e.dataTransfer.files.length) pick(e.dataTransfer.files[0]);
  else if (e.dataTransfer.getData("text/uri-list")) {
    // An image dragged from another page arrives as its address.
    pick(null);
    $("image-url").value = e.dataTransfer.getData("text/uri-list").split("\n")[0].trim();
    search();
  }
});

// --- Queue panel ---
// Field names of GET /queue/stats (QueueStatsResponse).
const statFields = [
  ["pending", "Pending"], ["processing", "Processing"], ["delayed", "Waiting for a retry"], ["dead", "Dead letters"],
  ["completed", "Completed"], ["failed", "Failed"], ["retried", "Retried"], ["recovered", "Recovered from lost workers"],
  ["success_rate", "Success rate (%)"], ["throughput_per_second", "Completed per second (last minute)"],
  ["busy_workers", "Busy workers"], ["active_workers", "Live workers"],
];

function showStatus(message, isError = false) {
  $("queue-status").textContent = message;
  $("queue-status").classList.toggle("error", isError);
}

async function refreshQueue() {
  try {
    const [stats, workers] = await Promise.all([getJson("queue/stats"), getJson("queue/workers")]);
    $("stats").replaceChildren(...statFields.flatMap(([field, label]) => [
      element("dt", {}, label), element("dd", { id: `stat-${field}` }, String(stats[field] ?? "–")),
    ]));
    $("workers").replaceChildren(...workers.workers.map((w) =>
      element("li", { "data-worker-id": w.worker_id },
        `${w.worker_id}: ${w.status}, ${w.tasks_processed} done, ${w.tasks_failed} failed`)));
    if (workers.worker_count === 0) $("workers").replaceChildren(element("li", { class: "muted" }, "No live workers."));

    // The list is oldest first: read its last page to show the newest failures.
    const newest = 20;
    const dead = await getJson(`queue/dead?offset=${Math.max(0, stats.dead - newest)}&limit=${newest}`);
    $("dead-letters").replaceChildren(...(dead.items ?? []).reverse().map((task) => {
      const requeue = element("button", { type: "button", class: "small" }, "Requeue");
      requeue.addEventListener("click", () => requeueDeadLetter(task.task_id));
      return element("li", { class: "status-dead", "data-task-id": task.task_id },
        element("strong", {}, task.product_id), ` (${task.image_path ?? task.image_url ?? ""}), ${task.attempts} attempt(s): `,
        element("span", { class: "error-text" }, task.error ?? "failed"), " ", requeue);
    }));
    if (dead.total === 0) $("dead-letters").replaceChildren(element("li", { class: "muted" }, "None."));
  } catch (error) {
    $("stats").replaceChildren(element("dt", { class: "error" }, `Queue unavailable: ${error.message}`));
  }
}

// Tasks this tab enqueued or requeued, newest first, until their records expire, each with the statuses the page
// has seen it in (a short task can go from pending to completed between two polls).
function watchedTasks() {
  return JSON.parse(sessionStorage.getItem("watched-tasks") ?? "[]");
}

function statusTrails() {
  return JSON.parse(sessionStorage.getItem("task-trails") ?? "{}");
}

function recordStatus(taskId, status) {
  const trails = statusTrails();
  const trail = trails[taskId] ?? [];
  if (trail[trail.length - 1] !== status) trail.push(status);
  trails[taskId] = trail.slice(-8);
  sessionStorage.setItem("task-trails", JSON.stringify(trails));
  return trails[taskId];
}

function watchTask(taskId, status) {
  const ids = watchedTasks().filter((id) => id !== taskId);
  ids.push(taskId);
  const kept = ids.slice(-50);
  sessionStorage.setItem("watched-tasks", JSON.stringify(kept));
  const trails = Object.fromEntries(Object.entries(statusTrails()).filter(([id]) => kept.includes(id)));
  sessionStorage.setItem("task-trails", JSON.stringify(trails));
  if (status) recordStatus(taskId, status);
}

async function refreshTasks() {
  const ids = watchedTasks().slice(-10).reverse();
  const tasks = await Promise.all(ids.map(async (id) => {
    const response = await api(`queue/status/${encodeURIComponent(id)}`);
    return response.ok ? response.json() : null; // 404: the record expired.
  }).map((p) => p.catch(() => null)));
  $("tasks").replaceChildren(...tasks.filter(Boolean).map((task) => {
    const detail = task.status === "completed" && task.duration_ms != null ? ` in ${task.duration_ms} ms`
      : task.error ? `: ${task.error}` : "";
    const trail = recordStatus(task.task_id, task.status);
    return element("li", { class: `status-${task.status}`, "data-task-id": task.task_id, "data-status": task.status },
      element("strong", {}, task.product_id), " ",
      element("span", { class: "task-status", title: "statuses seen, oldest first" }, trail.join(" → ")), detail);
  }));
  if (ids.length === 0) $("tasks").replaceChildren(element("li", { class: "muted" }, "Enqueue an image to follow its task here."));
}

async function enqueue(event) {
  event.preventDefault();
  const reference = $("enqueue-path").value.trim();
  const body = { product_id: $("enqueue-product").value.trim() };
  if (/^https?:\/\//i.test(reference)) body.image_url = reference; else body.image_path = reference;
  if ($("enqueue-name").value.trim()) body.name = $("enqueue-name").value.trim();
  if ($("enqueue-category").value.trim()) body.metadata = { category: $("enqueue-category").value.trim() };
  const response = await api("queue/enqueue", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (!response.ok) {
    showStatus(await problemText(response), true);
    return;
  }
  const result = await response.json();
  // The API answers once the task is queued: it is pending now, whatever the next poll sees.
  watchTask(result.task_id, "pending");
  showStatus(`${result.message} Task ${result.task_id}, queue length ${result.queue_length}.`);
  refreshTasks();
  refreshQueue();
}

async function requeueDeadLetter(taskId) {
  const response = await api(`queue/dead/${encodeURIComponent(taskId)}/requeue`, { method: "POST" });
  if (!response.ok) {
    showStatus(await problemText(response), true);
  } else {
    watchTask(taskId, "pending");
    showStatus(`Task ${taskId} queued again.`);
  }
  refreshTasks();
  refreshQueue();
}

$("enqueue-form").addEventListener("submit", enqueue);

// Other tabs or tools may enqueue: a task id in the page's hash (#task=...) is watched too.
const hashTask = new URLSearchParams(location.hash.slice(1)).get("task");
if (hashTask) watchTask(hashTask);

// Polling: the queue changes in Redis with no notification to the page.
async function refreshAll() {
  await Promise.all([refreshQueue(), refreshTasks()]);
  setTimeout(refreshAll, 1000);
}
refreshAll();
