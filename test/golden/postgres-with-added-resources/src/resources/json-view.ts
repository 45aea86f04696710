/**
 * A resource's JSON form, kept with the row object when that object is shared: for the read by
 * id, which the memory cache serves with the same object on every hit, where building its JSON
 * again (two Date#toISOString among it) was about a fifth of such a read's CPU. The memory cache
 * freezes what it holds, so "frozen" marks such a row, and a frozen row cannot change under its
 * kept JSON. A row read from PostgreSQL or Redis is a new, unfrozen object every time: its JSON
 * is built directly, since a WeakMap entry for an object seen once cost about half as much again
 * as building the JSON. Lists, creates and updates build their JSON without this.
 */
export function jsonViewOf<Row extends object, Json>(toJson: (row: Row) => Json): (row: Row) => Json {
  const views = new WeakMap<Row, Json>();
  return (row) => {
    if (!Object.isFrozen(row)) return toJson(row);
    let view = views.get(row);
    if (view === undefined) {
      view = toJson(row);
      views.set(row, view);
    }
    return view;
  };
}
