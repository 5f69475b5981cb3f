// A custom training loop written only with myelin's public API: the seed MLP on the embedded
// breast-cancer data, with forward, loss, zeroGrad, backward and step spelled out.
//
//   npm install && node dist/examples/custom-loop.js
import { nn, optim, data, noGrad, manualSeed, fromArray, indexSelect, argmax } from 'myelin';

manualSeed(0);
const { features, labels } = data.breastCancer();

// stratified 80/20 split, then standardise with the training statistics only
const split = data.stratifiedSplit(labels.dataSync(), 0.2, 0);
const pick = (idx: Int32Array, t: typeof features) => indexSelect(t, 0, fromArray(idx, [idx.length]));
const scaler = new data.Standardizer().fit(pick(split.train, features));
const xTrain = scaler.transform(pick(split.train, features)), yTrain = pick(split.train, labels);
const xTest = scaler.transform(pick(split.test, features)), yTest = pick(split.test, labels);

const model = new nn.Sequential(new nn.Linear(30, 10), new nn.ReLU(), new nn.Linear(10, 2));
const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
const loader = new data.DataLoader(new data.TensorDataset(xTrain, yTrain), { batchSize: 32, shuffle: true, seed: 0 });

const accuracy = (x: typeof features, y: typeof labels): number =>
  noGrad(() => argmax(model.forward(x), 1).eq(y).float().mean().item());

for (let epoch = 1; epoch <= 50; epoch++) {
  model.train();
  let total = 0;
  for (const [x, y] of loader) {
    const loss = nn.crossEntropy(model.forward(x), y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    total += loss.item() * x.shape[0];
  }
  model.eval();
  if (epoch % 10 === 0) {
    console.log(`epoch ${epoch}: train loss ${(total / xTrain.shape[0]).toFixed(4)}, test accuracy ${accuracy(xTest, yTest).toFixed(4)}`);
  }
}
console.log(`final test accuracy: ${accuracy(xTest, yTest).toFixed(4)}`);
