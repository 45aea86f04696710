/** Fields of the resources the add-resource tests add: every type, required and optional both ways. */
export const EVERY_TYPE = ['title:string', 'body:text?', 'count:integer', 'price:number?', 'active:boolean', 'dueAt:timestamp?', 'ownerId:uuid'];
export const EVERY_TYPE_FLIPPED = ['label:string?', 'notes:text', 'quantity:integer?', 'weight:number', 'done:boolean?', 'shippedAt:timestamp', 'ref:uuid?'];
