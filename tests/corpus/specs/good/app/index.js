// the handlers the Node.js specs in this folder name (fcctl validate looks them up)
exports.handler = async (event, context) => "ok";
exports.initialize = async (context) => {};
