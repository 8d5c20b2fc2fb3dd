// Imports a module as resolved from this folder's node_modules (the server contenders' own).
export const load = (name) => import(name);
