/**
 * A resource's JSON form, built once per row object: for the read by id, which the memory cache
 * serves with the same object on every hit, where building its JSON again (two Date#toISOString
 * among it) was about a fifth of such a read's CPU. A row read from PostgreSQL or Redis is a new
 * object each time and costs one WeakMap entry, gone with the row; lists and writes, whose rows
 * are always new, build their JSON without it. Safe because a row is never changed once read: a
 * write returns a new row object, and the cache drops the old one.
 */
export function jsonViewOf<Row extends object, Json>(toJson: (row: Row) => Json): (row: Row) => Json {
  const views = new WeakMap<Row, Json>();
  return (row) => {
    let view = views.get(row);
    if (view === undefined) {
      view = toJson(row);
      views.set(row, view);
    }
    return view;
  };
}
